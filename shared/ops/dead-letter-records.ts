/**
 * Dead letters as the archive keeps them: every message that reaches the dead-letter queue becomes a
 * `DeadLetter` (the router's own letters as they are; a raw queue body the platform moved after its
 * retries ran out, or anything unreadable, wrapped so nothing is dropped), filed per provider+tenant
 * under a content-derived id so a redelivered letter is stored once.
 */
import { z } from 'zod';
import { QUEUE_NAMES, routeFor } from '../broker/bus-routes.ts';
import { DeadLetter, QueueBody } from '../broker/queue-body.ts';

/** Letters whose envelope names no valid provider/tenant are filed here. */
export const UNKNOWN_SCOPE = { provider: 'unknown', tenant: 'unknown' } as const;

const Segment = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/);

/** Where a letter is filed: its envelope's provider and tenant, or `unknown/unknown`. */
export interface LetterScope {
  provider: string;
  tenant: string;
}

export function scopeOf(letter: DeadLetter): LetterScope {
  const provider = Segment.safeParse(letter.provider);
  const tenant = Segment.safeParse(letter.tenant);
  return provider.success && tenant.success
    ? { provider: provider.data, tenant: tenant.data }
    : UNKNOWN_SCOPE;
}

/** The archive key (Durable Object name) of a scope. */
export function scopeKey(scope: LetterScope): string {
  return scope.provider === UNKNOWN_SCOPE.provider && scope.tenant === UNKNOWN_SCOPE.tenant
    ? 'unknown'
    : `${scope.provider}:${scope.tenant}`;
}

/** Parses `provider/tenant` (or `unknown`) as typed by an operator. */
export function parseScope(text: string): LetterScope {
  if (text === 'unknown') return UNKNOWN_SCOPE;
  const [provider, tenant, ...rest] = text.split('/');
  const p = Segment.safeParse(provider);
  const t = Segment.safeParse(tenant);
  if (rest.length > 0 || !p.success || !t.success) {
    throw new RangeError(
      `tenant must be <provider>/<tenant> (e.g. discord/duck) or "unknown", got "${text}"`,
    );
  }
  return { provider: p.data, tenant: t.data };
}

function envelopeFields(body: unknown): { provider?: string; tenant?: string; dst?: string } {
  const env = (body as { envelope?: Record<string, unknown> } | null)?.envelope;
  const pick = (k: string) => (typeof env?.[k] === 'string' ? { [k]: env[k] as string } : {});
  return { ...pick('provider'), ...pick('tenant'), ...pick('dst') };
}

/**
 * Turns what the dead-letter queue delivered into a `DeadLetter`. The router's letters pass through;
 * a bus message the platform dead-lettered itself (after the consumer's `max_retries`) or anything else
 * is wrapped, keeping the body exactly as received.
 */
export function toDeadLetter(body: unknown, received: { attempts: number; timestamp: Date }): DeadLetter {
  const letter = DeadLetter.safeParse(body);
  if (letter.success) return letter.data;
  const fields = envelopeFields(body);
  const bus = QueueBody.safeParse(body);
  let queue = 'unknown';
  if (bus.success && fields.dst) {
    try {
      queue = QUEUE_NAMES[routeFor(fields.dst).binding] ?? 'unknown';
    } catch {
      queue = 'unknown';
    }
  }
  return DeadLetter.parse({
    v: 1,
    queue,
    ...(bus.success && bus.data.target !== undefined && { target: bus.data.target }),
    reason: bus.success ? 'platform_max_retries' : 'unreadable',
    error: bus.success
      ? 'the queue gave up on this message after its consumer max_retries (moved by the platform)'
      : 'the dead-letter queue received a body that is neither a dead letter nor a bus message',
    attempts: received.attempts,
    dead_lettered_at: received.timestamp.toISOString(),
    body,
    ...(fields.provider !== undefined && { provider: fields.provider }),
    ...(fields.tenant !== undefined && { tenant: fields.tenant }),
  });
}

/** A content-derived id: the same letter delivered twice gets the same id, so it is stored once. */
export async function letterId(letter: DeadLetter): Promise<string> {
  const bytes = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(letter))),
  );
  return `dl_${[...bytes.slice(0, 10)].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/** Filters for listing and purging. */
export const LetterFilter = z
  .object({
    reason: z.string().min(1).max(100).optional(),
    agent: z.string().min(1).max(100).optional(),
    /** Letters dead-lettered at or after this time. */
    since: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();
export type LetterFilter = z.infer<typeof LetterFilter>;

/** What to purge: one letter, everything, or the letters matching a non-empty filter. */
export const PurgeRequest = z.union([
  z.object({ id: z.string().min(1) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
  LetterFilter.omit({ limit: true }).refine((f) => Object.keys(f).length > 0, {
    message: 'give {"id": ...}, {"all": true} or a filter of reason, agent, since',
  }),
]);
export type PurgeRequest = z.infer<typeof PurgeRequest>;

/** A letter in the archive, with what the archive knows about it. */
export interface StoredLetter extends DeadLetter {
  id: string;
  /** The failed message's intent and envelope id, when its body had them. */
  intent: string | null;
  envelope_id: string | null;
  stored_at: string;
  replayed_at: string | null;
  replays: number;
}

/** The summary line `list` returns (the body is fetched with `get`). */
export type LetterSummary = Omit<StoredLetter, 'body'>;
