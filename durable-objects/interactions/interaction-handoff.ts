/**
 * After the deferred response has gone: make the interaction answerable (its token to the tenant's
 * RestBuckets, or the echo conversation's record) and only then publish its bus event, so whichever
 * worker picks the event up finds the token waiting. Failures are retried briefly, logged (never with
 * the token) and, when the event cannot be published, told to the user in place of the placeholder.
 */
import type { Envelope } from '@promethean/schemas/envelope';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import type { CommandEvent } from './command-events.ts';
import type { CommandReading, InteractionAdapter } from './interaction-adapter.ts';

/** The source every interaction event names. */
export const INTERACTION_SOURCE = 'interactions-webhook';

export type IntakeLog = (
  level: 'info' | 'warn' | 'error',
  msg: string,
  fields: Record<string, unknown>,
) => void;

export interface Handoff {
  adapter: InteractionAdapter;
  env: AccessEnv;
  tenant: TenantView;
  reading: CommandReading;
  event: CommandEvent;
  receivedAt: number;
  publish: (envelope: Envelope) => Promise<void>;
  log: IntakeLog;
  /** Waits between attempts; tests pass an immediate one. */
  pause?: (ms: number) => Promise<void>;
  /**
   * Asked after the hold and before the publish: false when the functions Worker already answered the
   * provider with a failure (it gave up waiting), so nothing may start. An unanswerable check publishes.
   */
  stillWanted?: () => Promise<boolean>;
}

const ATTEMPTS = 3;
const realPause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function attempt<T>(work: () => Promise<T>, pause: (ms: number) => Promise<void>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < ATTEMPTS; i++) {
    try {
      return await work();
    } catch (e) {
      last = e;
      if (i < ATTEMPTS - 1) await pause(200 * 4 ** i);
    }
  }
  throw last;
}

/** The event envelope: its id derives from the interaction URN, so a retry never duplicates work. */
export function interactionEnvelope(
  h: Pick<Handoff, 'tenant' | 'reading' | 'event' | 'receivedAt'>,
): Envelope {
  const urn = h.reading.call.interaction_urn;
  return createEnvelope(h.event.def, h.event.payload, {
    src: INTERACTION_SOURCE,
    provider: h.tenant.provider,
    tenant: h.tenant.tenant,
    id: `interaction:${urn}`,
    corr: urn,
    clock: { now: () => h.receivedAt },
  });
}

/** Runs in `waitUntil`: hold, then publish. Never throws. */
export async function handOff(h: Handoff): Promise<void> {
  const pause = h.pause ?? realPause;
  const urn = h.reading.call.interaction_urn;
  const fields = {
    provider: h.tenant.provider,
    tenant: h.tenant.tenant,
    interaction_urn: urn,
    intent: h.event.def.intent,
  };
  try {
    await attempt(() => h.adapter.hold(h.env, h.tenant, h.reading, h.event.ephemeral, h.receivedAt), pause);
  } catch (e) {
    // Without the held interaction nobody can answer it; the user sees Discord's own timeout.
    h.log('error', 'interaction could not be held; it will not be answered', { ...fields, error: String(e) });
    return;
  }
  if (h.stillWanted && !(await h.stillWanted().catch(() => true))) {
    h.log('warn', 'interaction abandoned at the deadline (the user was told it failed); not started', fields);
    return;
  }
  try {
    await attempt(() => h.publish(interactionEnvelope(h)), pause);
    h.log('info', 'interaction deferred and published', fields);
  } catch (e) {
    h.log('error', 'interaction event could not be published', { ...fields, error: String(e) });
    const command = `/${h.reading.call.command}${h.reading.call.subcommand ? ` ${h.reading.call.subcommand}` : ''}`;
    await h.adapter
      .apologize(h.env, h.tenant, h.reading, `Duck could not start ${command} just now; please try again.`)
      .catch((err: unknown) => h.log('warn', 'could not tell the user', { ...fields, error: String(err) }));
  }
}
