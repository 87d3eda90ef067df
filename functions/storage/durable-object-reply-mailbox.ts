/** The QueueBroker's ReplyMailbox port over `ReplyMailbox` Durable Objects, one per corr. */
import type { Envelope } from '@promethean/schemas/envelope';
import type { ReplyMailbox as ReplyMailboxPort } from '@promethean/shared/broker/queue-broker';
import type { ReplyMailbox } from './reply-mailbox.ts';

export class DurableObjectReplyMailbox implements ReplyMailboxPort {
  readonly #namespace: DurableObjectNamespace<ReplyMailbox>;

  constructor(namespace: DurableObjectNamespace<ReplyMailbox>) {
    this.#namespace = namespace;
  }

  #stub(corr: string) {
    return this.#namespace.get(this.#namespace.idFromName(corr));
  }

  async expect(corr: string): Promise<void> {
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
    if (envelope.corr === undefined) return;
    const stub = this.#stub(envelope.corr);
    if (await stub.expects()) await stub.deliver(envelope);
  }
}
