/**
 * Every effect an agent calls is bounded in time: a store, model or provider that does not answer
 * within its limit fails the call with `EffectTimeoutError` (retriable), so a handler never hangs on a
 * dependency and its queue message is retried later instead of holding the consumer.
 */
import { EffectTimeoutError, type ErrorContext } from '../agent/agent-errors.ts';
import type { Scheduler } from '../broker/scheduler.ts';
import { within } from '../ops/bounded-wait.ts';
import type { DeadlineSweep } from '../ops/deadline-sweep.ts';

/** Effect families, as named in `ctx.effects`. */
export type EffectName =
  | 'publish'
  | 'documents'
  | 'vectors'
  | 'blobs'
  | 'models'
  | 'tools'
  | 'http'
  | 'provider'
  | 'leases'
  | 'status'
  | 'playback'
  | 'crawl'
  | 'migrations'
  | 'reembed';

/** Defaults in ms: generous for model calls (speech and long completions), tight for small reads. */
export const DEFAULT_EFFECT_TIMEOUTS_MS: Readonly<Record<EffectName, number>> = Object.freeze({
  publish: 10_000,
  documents: 15_000,
  vectors: 15_000,
  blobs: 30_000,
  models: 120_000,
  // A tool loop is several model calls and tool calls (each tool bounded to 10 s by the gateway).
  tools: 180_000,
  http: 60_000,
  provider: 30_000,
  leases: 10_000,
  status: 10_000,
  playback: 10_000,
  // A robots.txt fetch or a page (retries and a 5 MB body included) runs behind the crawl port.
  crawl: 90_000,
  // A migration step copies one page between stores or drains the change log (cutover: up to 50 batches).
  migrations: 120_000,
  // A re-embed step embeds a page and writes it to Chroma, or drains the change log (up to 50 batches).
  reembed: 120_000,
});

export interface EffectTimeouts {
  /** Overrides per effect family. */
  timeoutsMs?: Partial<Record<EffectName, number>>;
  /** Real timers by default; a FakeClock in tests. */
  scheduler?: Scheduler;
  /** The invocation's one timer for all its effect calls (on `scheduler`); without it, a timer per call. */
  deadlines?: DeadlineSweep;
}

/** The limit for one effect family. */
export function effectTimeoutMs(name: EffectName, o: EffectTimeouts = {}): number {
  return o.timeoutsMs?.[name] ?? DEFAULT_EFFECT_TIMEOUTS_MS[name];
}

/** Bounds `result` (what the port returned) by the family's limit; non-promises pass through. */
export function bounded<T>(
  name: EffectName,
  call: string,
  result: T,
  context: ErrorContext,
  o: EffectTimeouts = {},
): T {
  if (!(result instanceof Promise)) return result;
  const ms = effectTimeoutMs(name, o);
  const onTimeout = () => new EffectTimeoutError(call, ms, context);
  return (
    o.deadlines ? o.deadlines.bound(result, ms, onTimeout) : within(result, ms, onTimeout, o.scheduler)
  ) as T;
}
