/**
 * Input filters: the predicates an `agent.yml` input may list under `when`, and the router's test of a
 * delivery against them. A delivery an agent's inputs refuse is never handed to it: no context, no
 * invocation, no trace hop; the router counts it as `filtered`. The filter only saves work the handler
 * would have refused itself: every handler keeps its own check, so an input without `when` (or a filter
 * that admits too much) changes nothing.
 */
import type { Envelope } from '@promethean/schemas/envelope';
import { SocialMessageCreated, SocialMessageUpdated } from '@promethean/schemas/events/social-message';
import { SocialMessagesBackfilled } from '@promethean/schemas/jobs/backfill-messages';
import type { AgentManifest, InputPredicate, ManifestInput } from '@promethean/schemas/manifest';
import type { MessageDefinition, PayloadOf } from '@promethean/schemas/message-definition';
import { topicMatches } from '../platform/topics.ts';

interface PredicateSpec {
  /** The intents whose payloads the predicate can test; a manifest naming it on another input is refused. */
  readonly intents: readonly string[];
  readonly test: (payload: unknown) => boolean;
}

/** A predicate over the payloads of `defs`, typed by them. */
function over<const D extends readonly MessageDefinition[]>(
  defs: D,
  test: (payload: PayloadOf<D[number]>) => boolean,
): PredicateSpec {
  return Object.freeze({
    intents: Object.freeze(defs.map((d) => d.intent)),
    test: test as (payload: unknown) => boolean,
  });
}

/** Every predicate a manifest may name (the names are `INPUT_PREDICATES` in schemas/manifest.ts). */
export const INPUT_PREDICATE_SPECS: Readonly<Record<InputPredicate, PredicateSpec>> = Object.freeze({
  /** The message mentions the agent's own account or is a direct message to it. */
  addresses_agent: over([SocialMessageCreated], (p) => p.mentions.bot || p.is_direct),
  /** A person wrote it, not a bot (an edit without its author is admitted: nothing says it is a bot's). */
  human_author: over([SocialMessageCreated, SocialMessageUpdated], (p) => p.author?.bot !== true),
  /**
   * The message carries at least one attachment (an edit only when it lists them; a backfilled page when
   * any of its messages does).
   */
  has_attachments: over([SocialMessageCreated, SocialMessageUpdated, SocialMessagesBackfilled], (p) =>
    'messages' in p ? p.messages.some((m) => m.attachments.length > 0) : (p.attachments?.length ?? 0) > 0,
  ),
});

/** Why an input's `when` cannot be used with its schema, or undefined when it can. */
export function filterProblem(input: ManifestInput): string | undefined {
  for (const name of input.when ?? []) {
    const spec = INPUT_PREDICATE_SPECS[name];
    if (!spec.intents.includes(input.schema)) {
      return `${name} cannot test ${input.schema} (it tests ${spec.intents.join(', ')})`;
    }
  }
  return undefined;
}

/** Whether any input of the manifest has a filter; agents without one never pay for the test. */
export function hasInputFilter(manifest: AgentManifest): boolean {
  return manifest.inputs.some((i) => i.when !== undefined);
}

function holds(when: readonly InputPredicate[] | undefined, payload: unknown): boolean {
  if (when === undefined) return true;
  try {
    return when.every((name) => INPUT_PREDICATE_SPECS[name].test(payload));
  } catch {
    // A payload the predicate cannot read (an earlier contract version): the agent decides, as before.
    return true;
  }
}

/**
 * Whether some input of the agent that matches the envelope admits its parsed payload. An envelope no input
 * matches is the caller's business (`subscribersOf` already chose the agent), so it is admitted.
 */
export function inputAdmits(manifest: AgentManifest, envelope: Envelope, payload: unknown): boolean {
  let matched = false;
  for (const input of manifest.inputs) {
    if (input.schema !== envelope.intent || !topicMatches(input.topic, envelope.dst)) continue;
    matched = true;
    if (holds(input.when, payload)) return true;
  }
  return !matched;
}
