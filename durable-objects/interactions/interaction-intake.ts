/**
 * The access side of `POST /interactions/<provider>/<tenant>`: everything between the raw signed bytes
 * and the HTTP answer. Nothing slow is awaited before answering except the replay guard, which has a
 * deadline; holding the token and publishing the event happen afterwards, in `waitUntil`.
 */
import type { Envelope } from '@promethean/schemas/envelope';
import { InteractionIntake, type InteractionReply } from '@promethean/shared/platform/interaction-intake';
import type { ProviderRegistry, TenantView } from '@promethean/shared/platform/provider-registry';
import {
  MissingSecretError,
  UnknownProviderError,
  UnknownTenantError,
} from '@promethean/shared/platform/registry-errors';
import type { SecretEnvironment } from '@promethean/shared/platform/secret-accessor';
import { allowlistAdmits } from '@promethean/shared/platform/tenant-allowlist';
import { commandEvent } from './command-events.ts';
import { discordInteractions } from './discord-interactions.ts';
import { echoInteractions } from './echo-interactions.ts';
import {
  type InteractionAdapter,
  type InteractionReading,
  MalformedInteractionBodyError,
} from './interaction-adapter.ts';
import { handOff, type IntakeLog } from './interaction-handoff.ts';
import { isPublicKeyHex, verifySignedRequest } from './interaction-signature.ts';
import type { AbandonedRequests, ReplayGuard } from './replay-guard.ts';

/**
 * An answer due at the functions Worker later than this from now would arrive after it has answered 503
 * itself (the RPC's return trip): refuse before starting anything instead.
 */
export const ANSWER_MARGIN_MS = 250;

/** Interaction adapters by providers.yml `adapter`. */
export const INTERACTION_ADAPTERS: Readonly<Record<string, InteractionAdapter>> = {
  discord: discordInteractions,
  echo: echoInteractions,
};

export interface IntakeDeps {
  env: AccessEnv;
  registry: ProviderRegistry;
  /** Where credential values are read from (the Worker's bindings), per request. */
  secretEnv: SecretEnvironment;
  guard: ReplayGuard;
  /** Requests the functions Worker gave up waiting for; without it nothing is checked. */
  abandoned?: AbandonedRequests;
  now: () => number;
  maxSkewS: number;
  waitUntil: (work: Promise<unknown>) => void;
  publish: (envelope: Envelope) => Promise<void>;
  log: IntakeLog;
  adapters?: Readonly<Record<string, InteractionAdapter>>;
  /** Passed to the hand-off (tests make retries immediate). */
  pause?: (ms: number) => Promise<void>;
}

/** What a user sees when a command comes from a guild or channel the tenant does not serve. */
export const NOT_ALLOWED_HERE = 'Duck is not enabled here.';

const reply = (status: number, body: unknown): InteractionReply => ({ status, body });
const refuse = (status: number, error: string, message: string) => reply(status, { error, message });

function tenantOf(deps: IntakeDeps, provider: string, tenant: string): TenantView | undefined {
  try {
    return deps.registry.tenant(provider, tenant);
  } catch (e) {
    if (e instanceof UnknownProviderError || e instanceof UnknownTenantError) return undefined;
    throw e;
  }
}

function publicKeyOf(deps: IntakeDeps, view: TenantView, adapter: InteractionAdapter): string | undefined {
  try {
    const key = deps.registry
      .secretsFor(view.provider, view.tenant, deps.secretEnv)
      .get(adapter.publicKeyCredential);
    return isPublicKeyHex(key) ? key : undefined;
  } catch (e) {
    if (e instanceof MissingSecretError) return undefined;
    throw e;
  }
}

function readBody(
  adapter: InteractionAdapter,
  body: Uint8Array,
  tenant: string,
): InteractionReading | InteractionReply {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(body));
  } catch {
    return refuse(400, 'invalid_json', 'the interaction body is not JSON');
  }
  try {
    return adapter.read(json, tenant);
  } catch (e) {
    if (e instanceof MalformedInteractionBodyError) return refuse(400, 'invalid_interaction', e.message);
    throw e;
  }
}

/** Verifies, dedupes and answers one interaction, with how long verification and the guard took. */
export async function acceptInteraction(input: unknown, deps: IntakeDeps): Promise<InteractionReply> {
  const timing = { verify_ms: 0, guard_ms: 0, access_ms: 0 };
  const started = performance.now();
  const answer = await accept(input, deps, timing);
  timing.access_ms = performance.now() - started;
  return { ...answer, timing };
}

async function accept(
  input: unknown,
  deps: IntakeDeps,
  timing: { verify_ms: number; guard_ms: number },
): Promise<InteractionReply> {
  const intake = InteractionIntake.safeParse(input);
  if (!intake.success)
    return refuse(400, 'invalid_intake', intake.error.issues.map((i) => i.message).join('; '));
  const { provider, tenant, body, received_at, request_id, answer_by } = intake.data;
  const view = tenantOf(deps, provider, tenant);
  const adapter = view && (deps.adapters ?? INTERACTION_ADAPTERS)[view.adapter];
  if (!view || !adapter) return refuse(404, 'unknown_tenant', `no interactions for ${provider}/${tenant}`);
  const fields = { provider, tenant };
  const publicKey = publicKeyOf(deps, view, adapter);
  if (publicKey === undefined) {
    deps.log('error', 'interactions are not configured: the tenant has no valid public key credential', {
      ...fields,
      credential: adapter.publicKeyCredential,
    });
    return refuse(503, 'not_configured', `interactions are not configured for ${provider}/${tenant}`);
  }
  const verifyStarted = performance.now();
  const verdict = await verifySignedRequest(intake.data, publicKey, deps.now(), deps.maxSkewS);
  timing.verify_ms = performance.now() - verifyStarted;
  if (!verdict.ok) {
    deps.log('warn', 'interaction refused', { ...fields, reason: verdict.reason });
    return refuse(401, verdict.reason, verdict.message);
  }
  const reading = readBody(adapter, body, tenant);
  if ('status' in reading) return reading;
  const id = reading.kind === 'command' ? reading.call.interaction_id : reading.interaction_id;
  const guardStarted = performance.now();
  const seen = await deps.guard.admit(provider, tenant, id, deps.now());
  timing.guard_ms = performance.now() - guardStarted;
  if (seen === 'replay') {
    deps.log('warn', 'interaction refused', { ...fields, reason: 'replayed', interaction_id: id });
    return refuse(401, 'replayed', 'this interaction was already received');
  }
  if (seen === 'timeout') {
    deps.log('error', 'replay guard did not answer in time; interaction refused', {
      ...fields,
      interaction_id: id,
    });
    return refuse(503, 'replay_guard_unavailable', 'try again');
  }
  if (reading.kind === 'ping') return reply(200, adapter.responses.pong());
  if (reading.kind === 'unsupported') return reply(200, adapter.responses.ephemeralMessage(reading.message));
  const place = { channelId: reading.call.channel.foreign_id, spaceId: reading.call.space?.foreign_id };
  if (!allowlistAdmits(view.config.allowlist, place)) {
    deps.log('warn', 'interaction refused: outside the tenant allowlist', { ...fields, interaction_id: id });
    return reply(200, adapter.responses.ephemeralMessage(NOT_ALLOWED_HERE));
  }
  const event = commandEvent(reading.call, received_at);
  if (!event.ok) return reply(200, adapter.responses.ephemeralMessage(event.message));
  if (answer_by !== undefined && deps.now() > answer_by - ANSWER_MARGIN_MS) {
    deps.log('error', 'interaction refused: too late to answer within the deadline; nothing started', {
      ...fields,
      interaction_id: id,
    });
    return refuse(503, 'access_timeout', 'the access layer could not answer in time');
  }
  const abandoned = deps.abandoned;
  deps.waitUntil(
    handOff({
      adapter,
      env: deps.env,
      tenant: view,
      reading,
      event: event.event,
      receivedAt: received_at,
      publish: deps.publish,
      log: deps.log,
      ...(deps.pause && { pause: deps.pause }),
      ...(abandoned &&
        request_id !== undefined && {
          stillWanted: async () => !(await abandoned.wasAbandoned(provider, tenant, request_id)),
        }),
    }),
  );
  return reply(200, adapter.responses.deferred(event.event.ephemeral));
}
