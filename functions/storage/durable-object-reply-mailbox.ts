/** The QueueBroker's ReplyMailbox port over `ReplyMailbox` Durable Objects, one per corr. */
import type { Envelope } from '@promethean/schemas/envelope';
import { InvalidMessageError } from '@promethean/shared/agent/agent-errors';
import type { ReplyMailbox as ReplyMailboxPort } from '@promethean/shared/broker/queue-broker';
import type { ReplyMailbox } from './reply-mailbox.ts';

export interface ReplyMailboxOptions {
  /**
   * Corrs whose replies an agent continues on (a backfill page's answer) and no `request` ever awaits: their
   * replies are not offered to a mailbox at all, and `expect` refuses them so no request can wait in vain.
   * Asking a mailbox whether it expects a reply instantiates one object per corr: for a backfill page, a new
   * SQLite-backed object for each page, 7 % of the functions Worker's CPU in bench:index (issue 18).
   */
  unawaited?: (corr: string) => boolean;
}

export class DurableObjectReplyMailbox implements ReplyMailboxPort {
  readonly #namespace: DurableObjectNamespace<ReplyMailbox>;
  readonly #unawaited: (corr: string) => boolean;

  constructor(namespace: DurableObjectNamespace<ReplyMailbox>, options: ReplyMailboxOptions = {}) {
    this.#namespace = namespace;
    this.#unawaited = options.unawaited ?? (() => false);
  }

  #stub(corr: string) {
    return this.#namespace.get(this.#namespace.idFromName(corr));
  }

  async expect(corr: string): Promise<void> {
    if (this.#unawaited(corr)) {
      throw new InvalidMessageError(
        'a request cannot wait on this corr',
        [`corr: ${corr} belongs to replies an agent continues on, which no mailbox receives`],
        { corr },
      );
    }
    await this.#stub(corr).expect();
  }

  async awaitReply(corr: string, timeoutMs: number): Promise<Envelope | undefined> {
    return (await this.#stub(corr).awaitReply(timeoutMs)) as Envelope | undefined;
  }

  async deliver(envelope: Envelope): Promise<void> {
    if (envelope.corr === undefined) return;
    await this.#stub(envelope.corr).deliver(envelope);
  }

  /** A small call first: the reply itself (a whole page of messages, say) crosses only when it is expected. */
  async offer(envelope: Envelope): Promise<void> {
    if (envelope.corr === undefined || this.#unawaited(envelope.corr)) return;
    const stub = this.#stub(envelope.corr);
    if (await stub.expects()) await stub.deliver(envelope);
  }
}
