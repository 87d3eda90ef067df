/**
 * ReplyMailbox: one Durable Object per corr where a request waits for its response. Whichever isolate
 * consumes the response delivers it here; the reply is also stored, so a response that arrives before
 * anyone waits is not lost. A request marks its mailbox as expected before it publishes, and the queue
 * consumer delivers only to expected mailboxes, so replies nobody awaits cost no copy and no storage.
 * An alarm clears the mailbox after it can no longer be useful.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Envelope } from '@promethean/schemas/envelope';

const KEEP_MS = 15 * 60_000;

export class ReplyMailbox extends DurableObject<FunctionsEnv> {
  readonly #waiters = new Set<(reply: Envelope) => void>();

  /** A request will wait here. */
  async expect(): Promise<void> {
    await this.ctx.storage.put('expected', true);
    await this.#scheduleCleanup();
  }

  /** Whether a request waits, or will wait, for this corr's reply. */
  async expects(): Promise<boolean> {
    return this.#waiters.size > 0 || (await this.ctx.storage.get<boolean>('expected')) === true;
  }

  /** Resolves with the reply, or undefined after `timeoutMs`. */
  async awaitReply(timeoutMs: number): Promise<Envelope | undefined> {
    const stored = await this.ctx.storage.get<Envelope>('reply');
    if (stored) return stored;
    await this.#scheduleCleanup();
    return new Promise<Envelope | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        resolve(undefined);
      }, timeoutMs);
      const waiter = (reply: Envelope) => {
        clearTimeout(timer);
        resolve(reply);
      };
      this.#waiters.add(waiter);
    });
  }

  /** Keeps the first reply (redeliveries do not replace it) and wakes every waiter. */
  async deliver(reply: Envelope): Promise<void> {
    const first = (await this.ctx.storage.get<Envelope>('reply')) ?? reply;
    await this.ctx.storage.put('reply', first);
    await this.#scheduleCleanup();
    for (const waiter of this.#waiters) waiter(first);
    this.#waiters.clear();
  }

  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  async #scheduleCleanup(): Promise<void> {
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + KEEP_MS);
  }
}
