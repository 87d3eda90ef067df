/**
 * ReplyMailbox: one Durable Object per corr where a request waits for its response. Whichever isolate
 * consumes the response delivers it here; the reply is also stored, so a response that arrives before
 * anyone waits is not lost. An alarm clears the mailbox after it can no longer be useful.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Envelope } from '@promethean/schemas/envelope';

const KEEP_MS = 15 * 60_000;

export class ReplyMailbox extends DurableObject<FunctionsEnv> {
  readonly #waiters = new Set<(reply: Envelope) => void>();

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
