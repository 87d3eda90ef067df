/** Errors the in-memory broker raises beyond those every `BrokerClient` shares. */
import type { FaultAction } from './broker-faults.ts';

/** The broker was built (or a subscription made) with options that cannot work. */
export class BrokerOptionsError extends Error {
  override readonly name = 'BrokerOptionsError';
  constructor(
    readonly option: string,
    reason: string,
  ) {
    super(`InMemoryBroker option ${option}: ${reason}`);
  }
}

/** A fault added with `action: 'error'` matched this publish; nothing was published. */
export class InjectedFaultError extends Error {
  override readonly name = 'InjectedFaultError';
  constructor(
    readonly faultId: string,
    readonly action: FaultAction,
    readonly topic: string,
    readonly envelopeId: string,
  ) {
    super(`injected fault ${faultId} (${action}) on ${topic} for envelope ${envelopeId}`);
  }
}

/** A subscriber with overflow policy 'throw' had a full buffer; nothing was published. */
export class BufferOverflowError extends Error {
  override readonly name = 'BufferOverflowError';
  constructor(
    readonly subscriber: string,
    readonly topic: string,
    readonly bufferSize: number,
  ) {
    super(`buffer of subscriber "${subscriber}" is full (${bufferSize} messages) for ${topic}`);
  }
}

/** `drain()` kept finding work: most likely handlers publish to each other in a loop. */
export class DrainLimitError extends Error {
  override readonly name = 'DrainLimitError';
  constructor(
    readonly rounds: number,
    readonly pending: number,
  ) {
    super(
      `drain did not settle after ${rounds} delivery rounds (${pending} messages still pending); ` +
        'a handler may be publishing in a loop — raise maxDrainRounds if this is expected',
    );
  }
}
