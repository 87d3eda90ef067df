/** The in-memory broker's options, their defaults, and the checks that reject unusable ones up front. */
import type { OverflowPolicy, SubscribeOptions } from './broker-client.ts';
import { BrokerOptionsError } from './broker-errors.ts';
import type { Scheduler } from './scheduler.ts';
import { SystemScheduler } from './scheduler.ts';

/** How the in-memory broker behaves; every field is optional. */
export interface InMemoryBrokerOptions {
  /** The time source, e.g. a `FakeClock`; defaults to real time (`SystemScheduler`). */
  clock?: Scheduler;
  /**
   * Deliver without being asked (on a microtask, or a timer when latency applies). Defaults to true in
   * real time and false with a manual clock, where tests call `tick()` / `drain()`.
   */
  autoDeliver?: boolean;
  /** Seed for latency ranges and drop rate (default 1). */
  seed?: number;
  /** Reorder each delivery round, reproducibly from this seed. */
  shuffle?: { seed: number };
  /** Delay from publish to delivery: fixed, or a `[min, max]` range drawn from the seed. */
  latencyMs?: number | readonly [number, number];
  /** Probability in [0, 1] that a publish is silently lost. */
  dropRate?: number;
  /** Default per-subscriber bound (default 1024). */
  bufferSize?: number;
  /** Default overflow policy (default 'throw': a test should hear about a full buffer). */
  overflow?: OverflowPolicy;
  /** Redeliveries after a handler throws before the message is dead-lettered (default 3). */
  maxRedeliveries?: number;
  /** Rounds `drain()` runs before giving up with `DrainLimitError` (default 10,000). */
  maxDrainRounds?: number;
  /** Event log entries kept, newest last (default 10,000). */
  eventLogLimit?: number;
}

/** Options with every default filled in. */
export interface ResolvedBrokerOptions {
  readonly clock: Scheduler;
  readonly autoDeliver: boolean;
  readonly seed: number;
  readonly shuffleSeed: number | undefined;
  readonly latencyMs: readonly [number, number];
  readonly dropRate: number;
  readonly bufferSize: number;
  readonly overflow: OverflowPolicy;
  readonly maxRedeliveries: number;
  readonly maxDrainRounds: number;
  readonly eventLogLimit: number;
}

const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ['drop-oldest', 'drop-newest', 'throw', 'block'];
const KNOWN_OPTIONS = new Set<string>([
  'clock',
  'autoDeliver',
  'seed',
  'shuffle',
  'latencyMs',
  'dropRate',
  'bufferSize',
  'overflow',
  'maxRedeliveries',
  'maxDrainRounds',
  'eventLogLimit',
]);

function isInteger(value: unknown, min: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min;
}

function checkInteger(option: string, value: unknown, min: number): void {
  if (value !== undefined && !isInteger(value, min)) {
    throw new BrokerOptionsError(option, `must be an integer >= ${min}, got ${String(value)}`);
  }
}

function checkOverflow(option: string, value: unknown): void {
  if (value !== undefined && !OVERFLOW_POLICIES.includes(value as OverflowPolicy)) {
    throw new BrokerOptionsError(option, `must be one of ${OVERFLOW_POLICIES.join(', ')}`);
  }
}

function resolveLatency(value: InMemoryBrokerOptions['latencyMs']): readonly [number, number] {
  if (value === undefined) return [0, 0];
  const [min, max] = typeof value === 'number' ? [value, value] : value;
  const valid = (n: unknown) => typeof n === 'number' && Number.isFinite(n) && n >= 0;
  if (typeof value !== 'number' && (!Array.isArray(value) || value.length !== 2)) {
    throw new BrokerOptionsError('latencyMs', 'must be a number or a [min, max] pair');
  }
  if (!valid(min) || !valid(max)) throw new BrokerOptionsError('latencyMs', 'values must be finite and >= 0');
  if (min > max) throw new BrokerOptionsError('latencyMs', `min ${min} is greater than max ${max}`);
  return [min, max];
}

function checkClock(clock: unknown): void {
  const c = clock as Partial<Scheduler> | null;
  if (
    typeof c !== 'object' ||
    c === null ||
    typeof c.now !== 'function' ||
    typeof c.schedule !== 'function' ||
    typeof c.cancel !== 'function'
  ) {
    throw new BrokerOptionsError(
      'clock',
      'must implement Scheduler (now, schedule, cancel), e.g. a FakeClock',
    );
  }
}

/** Validates options and fills in defaults; throws `BrokerOptionsError` naming the bad option. */
export function resolveBrokerOptions(options: InMemoryBrokerOptions = {}): ResolvedBrokerOptions {
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) throw new BrokerOptionsError(key, 'is not a known option');
  }
  if (options.clock !== undefined) checkClock(options.clock);
  if (options.seed !== undefined && !Number.isFinite(options.seed)) {
    throw new BrokerOptionsError('seed', 'must be a finite number');
  }
  if (options.shuffle !== undefined && !Number.isFinite(options.shuffle?.seed)) {
    throw new BrokerOptionsError('shuffle', 'must be { seed: number }');
  }
  const dropRate = options.dropRate ?? 0;
  if (typeof dropRate !== 'number' || !(dropRate >= 0 && dropRate <= 1)) {
    throw new BrokerOptionsError('dropRate', `must be between 0 and 1, got ${String(dropRate)}`);
  }
  checkInteger('bufferSize', options.bufferSize, 1);
  checkOverflow('overflow', options.overflow);
  checkInteger('maxRedeliveries', options.maxRedeliveries, 0);
  checkInteger('maxDrainRounds', options.maxDrainRounds, 1);
  checkInteger('eventLogLimit', options.eventLogLimit, 0);
  const clock = options.clock ?? new SystemScheduler();
  return {
    clock,
    autoDeliver: options.autoDeliver ?? !clock.manual,
    seed: options.seed ?? 1,
    shuffleSeed: options.shuffle?.seed,
    latencyMs: resolveLatency(options.latencyMs),
    dropRate,
    bufferSize: options.bufferSize ?? 1024,
    overflow: options.overflow ?? 'throw',
    maxRedeliveries: options.maxRedeliveries ?? 3,
    maxDrainRounds: options.maxDrainRounds ?? 10_000,
    eventLogLimit: options.eventLogLimit ?? 10_000,
  };
}

/** Validates one subscription's options against the broker defaults. */
export function resolveSubscribeOptions(
  options: SubscribeOptions,
  defaults: ResolvedBrokerOptions,
): { bufferSize: number; overflow: OverflowPolicy } {
  checkInteger('subscribe.bufferSize', options.bufferSize, 1);
  checkOverflow('subscribe.overflow', options.overflow);
  return {
    bufferSize: options.bufferSize ?? defaults.bufferSize,
    overflow: options.overflow ?? defaults.overflow,
  };
}
