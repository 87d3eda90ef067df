/**
 * InteractionReceipts: one small Durable Object per provider tenant that remembers which interaction
 * ids were already accepted, so a replayed (captured and re-sent) signed interaction is refused. Ids
 * are kept longer than any timestamp could still pass the freshness window; an alarm sweeps the rest.
 */
import { DurableObject } from 'cloudflare:workers';
import { ensureSchema, runSql } from '@promethean/shared/platform/durable-sql';

const MIGRATIONS = [
  `CREATE TABLE receipts (interaction_id TEXT PRIMARY KEY, first_seen INTEGER NOT NULL, expires_at INTEGER NOT NULL);
   CREATE INDEX receipts_expires_at ON receipts (expires_at)`,
  'CREATE TABLE abandoned (request_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)',
];

/** How long an abandonment is remembered: far longer than any hand-off takes to reach its publish. */
const ABANDONED_KEEP_MS = 10 * 60_000;

/** The first sighting of an interaction id, or a replay of one still remembered. */
export type ReceiptVerdict = 'new' | 'replay';

export class InteractionReceipts extends DurableObject<AccessEnv> {
  /**
   * Whether this instance knows a sweep alarm is set: reading the alarm on every admit was a storage
   * read before each answer, on the path Discord waits for.
   */
  #alarmSet = false;

  constructor(ctx: DurableObjectState, env: AccessEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => ensureSchema(ctx.storage, MIGRATIONS));
  }

  /**
   * Records `interactionId` unless it is already remembered. Check and write happen in one
   * synchronous step, so two concurrent deliveries of one id cannot both be "new".
   */
  async admit(interactionId: string, now: number, rememberMs: number): Promise<ReceiptVerdict> {
    const inserted = this.ctx.storage.sql.exec(
      'INSERT INTO receipts (interaction_id, first_seen, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      interactionId,
      now,
      now + rememberMs,
    ).rowsWritten;
    if (inserted === 0) {
      // A remembered id that has outlived its window (the sweep has not run yet) is new again.
      const expired = runSql<{ n: number }>(
        this.ctx.storage,
        'SELECT COUNT(*) AS n FROM receipts WHERE interaction_id = ? AND expires_at <= ?',
        interactionId,
        now,
      )[0]?.n;
      if (!expired) return 'replay';
      runSql(
        this.ctx.storage,
        'UPDATE receipts SET first_seen = ?, expires_at = ? WHERE interaction_id = ?',
        now,
        now + rememberMs,
        interactionId,
      );
    }
    await this.#ensureAlarm(now + rememberMs);
    return 'new';
  }

  /** The functions Worker answered 503 for this request: its hand-off must not publish. */
  async abandon(requestId: string, now: number): Promise<void> {
    runSql(
      this.ctx.storage,
      'INSERT OR REPLACE INTO abandoned (request_id, expires_at) VALUES (?, ?)',
      requestId,
      now + ABANDONED_KEEP_MS,
    );
    await this.#ensureAlarm(now + ABANDONED_KEEP_MS);
  }

  async #ensureAlarm(at: number): Promise<void> {
    if (this.#alarmSet) return;
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(at);
    this.#alarmSet = true;
  }

  async wasAbandoned(requestId: string): Promise<boolean> {
    return (
      (runSql<{ n: number }>(
        this.ctx.storage,
        'SELECT COUNT(*) AS n FROM abandoned WHERE request_id = ?',
        requestId,
      )[0]?.n ?? 0) > 0
    );
  }

  /** How many ids are remembered (for status and tests). */
  async remembered(): Promise<number> {
    return runSql<{ n: number }>(this.ctx.storage, 'SELECT COUNT(*) AS n FROM receipts')[0]?.n ?? 0;
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    runSql(this.ctx.storage, 'DELETE FROM receipts WHERE expires_at <= ?', now);
    runSql(this.ctx.storage, 'DELETE FROM abandoned WHERE expires_at <= ?', now);
    const next = runSql<{ at: number | null }>(
      this.ctx.storage,
      'SELECT MIN(at) AS at FROM (SELECT MIN(expires_at) AS at FROM receipts UNION ALL SELECT MIN(expires_at) FROM abandoned)',
    )[0]?.at;
    this.#alarmSet = next !== null && next !== undefined;
    if (next !== null && next !== undefined) await this.ctx.storage.setAlarm(Math.max(next, now + 1_000));
  }
}
