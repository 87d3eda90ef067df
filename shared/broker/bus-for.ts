/**
 * `busFor(env)`: the one place a runtime gets its broker. `BROKER_IMPL` (seed 000) picks the Cloudflare Queues
 * broker (`queue`, the default and the only choice for a deployed Worker) or the in-memory broker (`memory`:
 * tests, scripts and in-process runs that have no queues). Every Worker, Durable Object and intake builds its
 * broker here instead of by hand, so the producer bindings and routes are named once.
 */
import { z } from 'zod';
import { NonRetriableError } from '../agent/agent-errors.ts';
import type { BusRoute } from './bus-routes.ts';
import { InMemoryBroker } from './in-memory-broker.ts';
import type { InMemoryBrokerOptions } from './in-memory-broker-options.ts';
import type { QueueBody } from './queue-body.ts';
import { QueueBroker, type ReplyMailbox } from './queue-broker.ts';

export const BROKER_IMPLS = ['queue', 'memory'] as const;
export type BrokerImpl = (typeof BROKER_IMPLS)[number];

/** The producer bindings a bus may use, by their names in both Workers' wrangler.toml. */
export const BUS_BINDINGS = ['BUS_EVENTS', 'BUS_ACCESS', 'BUS_VOICE', 'BUS_CRAWL'] as const;
export type BusBinding = (typeof BUS_BINDINGS)[number];

/** What `busFor` reads from an env: the switch and the producer bindings. */
export interface BusEnv {
  BROKER_IMPL?: string | undefined;
  BUS_EVENTS?: unknown;
  BUS_ACCESS?: unknown;
  BUS_VOICE?: unknown;
  BUS_CRAWL?: unknown;
  /** The deployed version, stamped as `build_sha` on every envelope sent without one. */
  BUILD_SHA?: string | undefined;
}

export interface BusOptions {
  /** The producer bindings this broker sends through (default: all four; a missing optional one is skipped). */
  bindings?: readonly BusBinding[];
  /** Routes other than `BUS_ROUTES` (e.g. everything to BUS_EVENTS for a publisher of events only). */
  routes?: readonly BusRoute[];
  mailbox?: ReplyMailbox;
  replyIntents?: readonly string[];
  /** Options for the in-memory broker when `BROKER_IMPL=memory`. */
  memory?: InMemoryBrokerOptions;
}

/** BROKER_IMPL holds something other than `queue` or `memory`: refused, never guessed. */
export class BrokerConfigurationError extends NonRetriableError {
  override readonly name = 'BrokerConfigurationError';
}

const ImplSetting = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v),
  z.enum(BROKER_IMPLS).default('queue'),
);

/**
 * Accepted BROKER_IMPL values and what they mean: the intake builds a bus per interaction, and a zod parse of
 * the same variable each time was 1 % of the access isolate's busy samples. Parsing is pure in the value,
 * so a value seen once is answered from here; a refused value is never kept (it throws every time).
 */
const knownImpls = new Map<string | undefined, BrokerImpl>();

/** The broker implementation an env asks for (`queue` when BROKER_IMPL is unset or empty). */
export function brokerImplOf(env: BusEnv): BrokerImpl {
  const value = env.BROKER_IMPL;
  const known = (typeof value === 'string' || value === undefined) && knownImpls.get(value);
  if (known) return known;
  const parsed = ImplSetting.safeParse(value);
  if (!parsed.success) {
    throw new BrokerConfigurationError(
      `BROKER_IMPL=${JSON.stringify(env.BROKER_IMPL)} is not one of ${BROKER_IMPLS.join(', ')}`,
    );
  }
  if ((typeof value === 'string' || value === undefined) && knownImpls.size < 16)
    knownImpls.set(value, parsed.data);
  return parsed.data;
}

/** The broker `env` asks for: a `QueueBroker` over its producer bindings, or an `InMemoryBroker`. */
export function busFor(env: BusEnv, options: BusOptions = {}): QueueBroker | InMemoryBroker {
  if (brokerImplOf(env) === 'memory') return new InMemoryBroker(options.memory ?? { autoDeliver: true });
  const queues: Record<string, Queue<QueueBody> | undefined> = {};
  for (const binding of options.bindings ?? BUS_BINDINGS) {
    queues[binding] = env[binding] as Queue<QueueBody> | undefined;
  }
  return new QueueBroker({
    queues,
    ...(options.routes !== undefined && { routes: options.routes }),
    ...(options.mailbox !== undefined && { mailbox: options.mailbox }),
    ...(options.replyIntents !== undefined && { replyIntents: options.replyIntents }),
    // Gateway events, echo messages and health are built outside any agent runtime: stamped here.
    ...(env.BUILD_SHA ? { buildSha: env.BUILD_SHA } : {}),
  });
}

/**
 * `busFor(env)` for a Worker that also consumes queues (its consumer router needs the Queues broker):
 * `BROKER_IMPL=memory` is refused there with an error that says so.
 */
export function queueBusFor(env: BusEnv, options: BusOptions = {}, where = 'this Worker'): QueueBroker {
  const broker = busFor(env, options);
  if (broker instanceof QueueBroker) return broker;
  void broker.close();
  throw new BrokerConfigurationError(
    `BROKER_IMPL=memory cannot serve ${where}: it consumes Cloudflare Queues; unset BROKER_IMPL (or set queue)`,
  );
}
