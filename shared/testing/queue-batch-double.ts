/**
 * Cloudflare Queue shapes for Node unit tests of the consumer router: a producer that keeps what was
 * sent (with its options) and a batch whose messages record their explicit ack or retry. Worker tests
 * use the real ones (`createMessageBatch`/`getQueueResult` in workerd).
 */
import type { QueueBody } from '../broker/queue-body.ts';

/** One message a `RecordingQueue` was asked to send. */
export interface SentMessage {
  body: QueueBody;
  delaySeconds?: number;
}

/** A queue producer that records sends; `failNext` makes the next send throw. */
export class RecordingQueue {
  readonly sent: SentMessage[] = [];
  #failures = 0;

  failNext(times = 1): void {
    this.#failures += times;
  }

  async send(body: QueueBody, options?: QueueSendOptions): Promise<void> {
    this.#maybeFail();
    this.sent.push({
      body,
      ...(options?.delaySeconds !== undefined && { delaySeconds: options.delaySeconds }),
    });
  }

  async sendBatch(messages: Iterable<MessageSendRequest<QueueBody>>, options?: QueueSendBatchOptions) {
    this.#maybeFail();
    for (const m of messages) {
      const delay = m.delaySeconds ?? options?.delaySeconds;
      this.sent.push({ body: m.body, ...(delay !== undefined && { delaySeconds: delay }) });
    }
  }

  asQueue(): Queue<QueueBody> {
    return this as unknown as Queue<QueueBody>;
  }

  #maybeFail(): void {
    if (this.#failures > 0) {
      this.#failures--;
      throw new Error('queue send failed (injected)');
    }
  }
}

/** How a message was settled by the code under test. */
export type Settled = { kind: 'ack' } | { kind: 'retry'; delaySeconds?: number } | undefined;

export interface RecordedMessage extends Message<unknown> {
  readonly settled: Settled;
}

/** A message batch whose messages remember their explicit ack/retry (the last call wins, as in workerd). */
export function recordedBatch(
  queue: string,
  messages: Array<{ id: string; body: unknown; attempts?: number }>,
): MessageBatch<unknown> & { messages: readonly RecordedMessage[] } {
  const built = messages.map((m) => {
    let settled: Settled;
    return {
      id: m.id,
      timestamp: new Date(0),
      body: m.body,
      attempts: m.attempts ?? 1,
      ack: () => {
        settled = { kind: 'ack' };
      },
      retry: (o?: QueueRetryOptions) => {
        settled = { kind: 'retry', ...(o?.delaySeconds !== undefined && { delaySeconds: o.delaySeconds }) };
      },
      get settled() {
        return settled;
      },
    };
  });
  return {
    queue,
    messages: built,
    metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } },
    ackAll: () => {
      for (const m of built) m.ack();
    },
    retryAll: (o?: QueueRetryOptions) => {
      for (const m of built) m.retry(o);
    },
  } as unknown as MessageBatch<unknown> & { messages: readonly RecordedMessage[] };
}
