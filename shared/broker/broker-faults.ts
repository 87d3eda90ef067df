/** Fault injection for the in-memory broker: by topic pattern and predicate, drop, fail or delay publishes. */
import type { Envelope } from '@promethean/schemas/envelope';
import { assertPattern, topicMatches } from '../platform/topics.ts';
import { BrokerOptionsError } from './broker-errors.ts';

/** 'drop' loses the message silently, 'error' rejects the publish, 'delay' adds latency. */
export type FaultAction = 'drop' | 'error' | 'delay';

const FAULT_ACTIONS: readonly FaultAction[] = ['drop', 'error', 'delay'];

/** Which publishes a fault hits and what it does to them. */
export interface FaultSpec {
  /** Topic pattern the envelope's `dst` must match (`*` one segment, trailing `>` the rest). */
  pattern: string;
  /** Further narrows the hit, e.g. `(env) => env.corr === 'c-1'`. */
  when?: (envelope: Envelope) => boolean;
  action: FaultAction;
  /** Extra latency for 'delay' (required there, ignored otherwise). */
  delayMs?: number;
  /** The fault removes itself after hitting this many publishes (default: never). */
  times?: number;
}

/** Returned by `addFault`: remove the fault, or see how often it hit. */
export interface FaultHandle {
  readonly id: string;
  remove(): void;
  /** How many publishes this fault has hit so far. */
  triggered(): number;
  /** False once removed or once `times` is used up. */
  active(): boolean;
}

/** The faults one publish ran into. */
export interface FaultOutcome {
  /** The 'error' fault that rejects this publish, if any (no other fault is consumed then). */
  error?: { id: string; action: FaultAction };
  /** The 'drop' fault that loses this message, if any. */
  drop?: { id: string; action: FaultAction };
  /** Sum of every matching 'delay' fault. */
  delayMs: number;
  /** Every fault that hit, in the order they were added. */
  hits: readonly { id: string; action: FaultAction }[];
}

interface ActiveFault {
  readonly id: string;
  readonly spec: FaultSpec;
  hits: number;
}

function validate(spec: FaultSpec): void {
  assertPattern(spec.pattern);
  if (!FAULT_ACTIONS.includes(spec.action)) {
    throw new BrokerOptionsError('fault.action', `must be one of ${FAULT_ACTIONS.join(', ')}`);
  }
  if (spec.action === 'delay' && (typeof spec.delayMs !== 'number' || !(spec.delayMs >= 0))) {
    throw new BrokerOptionsError('fault.delayMs', "a 'delay' fault needs delayMs >= 0");
  }
  if (spec.delayMs !== undefined && !Number.isFinite(spec.delayMs)) {
    throw new BrokerOptionsError('fault.delayMs', 'must be a finite number');
  }
  if (spec.times !== undefined && !(Number.isInteger(spec.times) && spec.times > 0)) {
    throw new BrokerOptionsError('fault.times', 'must be a positive integer');
  }
}

/** The faults one broker holds; each broker has its own. */
export class FaultRegistry {
  readonly #faults: ActiveFault[] = [];
  #nextId = 0;

  add(spec: FaultSpec): FaultHandle {
    validate(spec);
    const fault: ActiveFault = { id: `fault-${++this.#nextId}`, spec: { ...spec }, hits: 0 };
    this.#faults.push(fault);
    return {
      id: fault.id,
      remove: () => this.#remove(fault),
      triggered: () => fault.hits,
      active: () => this.#faults.includes(fault),
    };
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** Decides what the active faults do to one publish, using up their `times`. */
  evaluate(envelope: Envelope): FaultOutcome {
    const matching = this.#faults.filter(
      (f) => topicMatches(f.spec.pattern, envelope.dst) && (f.spec.when?.(envelope) ?? true),
    );
    const error = matching.find((f) => f.spec.action === 'error');
    // A rejected publish never happened, so only the failing fault counts it.
    const hit = error ? [error] : matching;
    for (const f of hit) this.#consume(f);
    const drop = hit.find((f) => f.spec.action === 'drop');
    const delayMs = hit.reduce((sum, f) => sum + (f.spec.action === 'delay' ? (f.spec.delayMs ?? 0) : 0), 0);
    const ref = (f: ActiveFault) => ({ id: f.id, action: f.spec.action });
    return {
      ...(error && { error: ref(error) }),
      ...(drop && { drop: ref(drop) }),
      delayMs,
      hits: hit.map(ref),
    };
  }

  #consume(fault: ActiveFault): void {
    fault.hits++;
    if (fault.spec.times !== undefined && fault.hits >= fault.spec.times) this.#remove(fault);
  }

  #remove(fault: ActiveFault): void {
    const index = this.#faults.indexOf(fault);
    if (index !== -1) this.#faults.splice(index, 1);
  }
}
