/** Helpers for tests that run against a broker: record deliveries, wait for one, assert on them. */
import type { Envelope } from '@promethean/schemas/envelope';
import type { BrokerClient, SubscribeOptions, Subscription } from '../broker/broker-client.ts';
import { InMemoryBroker } from '../broker/in-memory-broker.ts';
import type { InMemoryBrokerOptions } from '../broker/in-memory-broker-options.ts';
import { type Scheduler, SystemScheduler } from '../broker/scheduler.ts';

/** Every message delivered to one subscription, in delivery order. */
export interface Recording {
  /** Live: grows as messages arrive; `clear()` empties it in place. */
  readonly messages: Envelope[];
  readonly subscription: Subscription;
  clear(): void;
}

/** Subscribes a handler that only records what it receives. */
export function recordingSubscriber(
  broker: BrokerClient,
  pattern: string,
  options?: SubscribeOptions,
): Recording {
  const messages: Envelope[] = [];
  const subscription = broker.subscribe(pattern, (envelope) => void messages.push(envelope), options);
  return { messages, subscription, clear: () => void messages.splice(0) };
}

/** No message arrived on the pattern before the timeout. */
export class MessageWaitTimeoutError extends Error {
  override readonly name = 'MessageWaitTimeoutError';
  constructor(
    readonly pattern: string,
    readonly timeoutMs: number,
  ) {
    super(`no message on ${pattern} within ${timeoutMs} ms`);
  }
}

export interface AwaitMessageOptions {
  timeoutMs: number;
  /** Only messages passing this count; others are ignored. */
  where?: (envelope: Envelope) => boolean;
  /** Clock for the timeout; defaults to an `InMemoryBroker`'s own clock, else real time. */
  scheduler?: Scheduler;
}

/**
 * Resolves with the next message delivered on `pattern`, or rejects with `MessageWaitTimeoutError`.
 * Subscribes at once, so call it before publishing.
 */
export function awaitNextMessage(
  broker: BrokerClient,
  pattern: string,
  options: AwaitMessageOptions,
): Promise<Envelope> {
  const scheduler =
    options.scheduler ?? (broker instanceof InMemoryBroker ? broker.scheduler : new SystemScheduler());
  return new Promise<Envelope>((resolve, reject) => {
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      scheduler.cancel(timer);
      broker.unsubscribe(subscription);
      settle();
    };
    const subscription = broker.subscribe(
      pattern,
      (envelope) => {
        if (options.where?.(envelope) ?? true) finish(() => resolve(envelope));
      },
      { name: `await:${pattern}` },
    );
    const timer = scheduler.schedule(options.timeoutMs, () =>
      finish(() => reject(new MessageWaitTimeoutError(pattern, options.timeoutMs))),
    );
  });
}

/** A recursive subset of `T`: objects may omit keys, strings may be a RegExp. */
export type DeepPartial<T> = T extends string
  ? T | RegExp
  : T extends readonly (infer U)[]
    ? DeepPartial<U>[]
    : T extends object
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : T;

/** What to look for: a predicate, or a partial envelope every listed field of which must match. */
export type DeliveryExpectation = ((envelope: Envelope) => boolean) | DeepPartial<Envelope>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RegExp);
}

/** True when every field present in `expected` matches `actual` (arrays element by element). */
export function matchesPartial(actual: unknown, expected: unknown): boolean {
  if (expected instanceof RegExp) return typeof actual === 'string' && expected.test(actual);
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((e, i) => matchesPartial(actual[i], e))
    );
  }
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return false;
    return Object.entries(expected).every(([k, v]) => matchesPartial(actual[k], v));
  }
  return Object.is(actual, expected);
}

function describeExpectation(expected: DeliveryExpectation): string {
  if (typeof expected === 'function') return `predicate ${expected.name || '(anonymous)'}`;
  return JSON.stringify(expected, (_k, v: unknown) => (v instanceof RegExp ? String(v) : v));
}

function describeEnvelope(envelope: Envelope, index: number): string {
  const payload = JSON.stringify(envelope.payload) ?? 'undefined';
  const short = payload.length > 160 ? `${payload.slice(0, 157)}...` : payload;
  const corr = envelope.corr === undefined ? '' : ` corr=${envelope.corr}`;
  return `  #${index} id=${envelope.id} intent=${envelope.intent} dst=${envelope.dst}${corr} payload=${short}`;
}

/**
 * Asserts that the recording holds a message matching `expected` — at least one, or exactly `count`
 * when given — and returns the matches. Throws an Error listing everything delivered otherwise, so it
 * works under any test runner.
 */
export function expectDelivered(
  recording: Recording | readonly Envelope[],
  expected: DeliveryExpectation,
  count?: number,
): Envelope[] {
  const messages = 'messages' in recording ? recording.messages : recording;
  const test = typeof expected === 'function' ? expected : (e: Envelope) => matchesPartial(e, expected);
  const matches = messages.filter((e) => test(e));
  const ok = count === undefined ? matches.length > 0 : matches.length === count;
  if (ok) return matches;
  const wanted = count === undefined ? 'at least 1' : `exactly ${count}`;
  const listing = messages.length === 0 ? '  (nothing)' : messages.map(describeEnvelope).join('\n');
  throw new Error(
    `expected ${wanted} delivered message(s) matching ${describeExpectation(expected)}, ` +
      `found ${matches.length}. Delivered (${messages.length}):\n${listing}`,
  );
}

/** Runs `run` with a fresh `InMemoryBroker` and closes the broker afterwards, even when `run` throws. */
export async function withMockBroker<T>(
  options: InMemoryBrokerOptions,
  run: (broker: InMemoryBroker) => Promise<T> | T,
): Promise<T> {
  const broker = new InMemoryBroker(options);
  try {
    return await run(broker);
  } finally {
    await broker.close();
  }
}
