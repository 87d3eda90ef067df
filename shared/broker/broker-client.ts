/** The one bus interface every agent and test uses, whatever carries the messages underneath. */
import type { Envelope } from '@promethean/schemas/envelope';

/** Called once per delivered message; a thrown error counts as a failed delivery (retried or dropped). */
export type MessageHandler = (envelope: Envelope) => void | Promise<void>;

/** What to do when a subscriber's buffer is full. */
export type OverflowPolicy = 'drop-oldest' | 'drop-newest' | 'throw' | 'block';

export interface SubscribeOptions {
  /** Names the subscriber in metrics and logs; defaults to the pattern. */
  name?: string;
  /** Maximum messages waiting for this subscriber (default: unbounded for queues, 1024 in memory). */
  bufferSize?: number;
  overflow?: OverflowPolicy;
}

export interface Subscription {
  readonly id: string;
  readonly pattern: string;
  readonly name: string;
}

export interface RequestOptions {
  /** Pattern the response is published on; the response is the first message on it with the request's corr. */
  responsePattern: string;
  timeoutMs: number;
}

export interface BrokerClient {
  /** Publishes one envelope to the topic in its `dst`. */
  publish(envelope: Envelope): Promise<void>;
  /** Subscribes a handler to a topic pattern (`*` one segment, trailing `>` the rest). */
  subscribe(pattern: string, handler: MessageHandler, options?: SubscribeOptions): Subscription;
  unsubscribe(subscription: Subscription | string): void;
  /** Publishes a request (it must carry a `corr`) and resolves with the first response on the same corr. */
  request(envelope: Envelope, options: RequestOptions): Promise<Envelope>;
  /** Stops delivery; later calls throw `BrokerClosedError`. */
  close(): Promise<void>;
}

/** The broker was closed or disconnected; nothing was published. */
export class BrokerClosedError extends Error {
  override readonly name = 'BrokerClosedError';
  constructor(operation: string, reason = 'closed') {
    super(`broker ${reason}: cannot ${operation}`);
  }
}

/** No response with the request's corr arrived in time. */
export class RequestTimeoutError extends Error {
  override readonly name = 'RequestTimeoutError';
  constructor(
    readonly corr: string,
    readonly topic: string,
    readonly timeoutMs: number,
  ) {
    super(`no response for corr=${corr} on ${topic} within ${timeoutMs} ms`);
  }
}
