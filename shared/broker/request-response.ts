/** Request/response over a broker: publish with a corr, wait for the first reply with the same corr. */
import type { Envelope } from '@promethean/schemas/envelope';
import { InvalidMessageError } from '../agent/agent-errors.ts';
import { assertPattern } from '../platform/topics.ts';
import type { BrokerClient, RequestOptions } from './broker-client.ts';
import { RequestTimeoutError } from './broker-client.ts';
import { BrokerOptionsError } from './broker-errors.ts';
import type { TrackedTimers } from './tracked-timers.ts';

/** What a request needs from its broker. */
export interface RequestHost {
  readonly broker: Pick<BrokerClient, 'publish' | 'subscribe' | 'unsubscribe'>;
  /** Timeouts run on the broker's clock, so a fake clock decides when they fire. */
  readonly timers: TrackedTimers;
  /** Pending requests register here so closing the broker can fail them. */
  readonly pending: Set<(error: Error) => void>;
}

/**
 * Subscribes to the response pattern before publishing (a fast responder cannot be missed), resolves
 * with the first reply whose corr matches, and rejects with `RequestTimeoutError` after `timeoutMs`.
 */
export function requestResponse(
  host: RequestHost,
  envelope: Envelope,
  options: RequestOptions,
): Promise<Envelope> {
  const corr = envelope.corr;
  if (corr === undefined) {
    const ctx = { topic: envelope.dst, intent: envelope.intent };
    throw new InvalidMessageError('request needs a corr', ['corr: required'], ctx, 'invalid_envelope');
  }
  assertPattern(options.responsePattern);
  if (!(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new BrokerOptionsError('request.timeoutMs', `must be a positive number, got ${options.timeoutMs}`);
  }
  return new Promise<Envelope>((resolve, reject) => {
    let done = false;
    const finish = (settle: () => void) => {
      if (done) return;
      done = true;
      host.timers.cancel(timer);
      host.broker.unsubscribe(sub);
      host.pending.delete(fail);
      settle();
    };
    const fail = (error: Error) => finish(() => reject(error));
    const sub = host.broker.subscribe(
      options.responsePattern,
      (response) => {
        if (response.corr === corr) finish(() => resolve(response));
      },
      { name: `request:${corr}` },
    );
    const timer = host.timers.set(options.timeoutMs, () =>
      fail(new RequestTimeoutError(corr, options.responsePattern, options.timeoutMs)),
    );
    host.pending.add(fail);
    host.broker.publish(envelope).catch(fail);
  });
}
