/**
 * DeadLetterArchive: one Durable Object per provider+tenant (and one `unknown`) holding that tenant's
 * dead letters in SQLite: stored once per content id, listed with filters, replayed at most once to the
 * queue they came from (same envelope, so downstream idempotency holds), purged by id, filter or all.
 */
import { DurableObject } from 'cloudflare:workers';
import { parseTypedEnvelope } from '@promethean/shared/agent/envelope-factory';
import { bindingOfQueue, routeFor } from '@promethean/shared/broker/bus-routes';
import { DeadLetter, QueueBody } from '@promethean/shared/broker/queue-body';
import {
  LetterFilter,
  type LetterSummary,
  letterId,
  PurgeRequest,
  type StoredLetter,
} from '@promethean/shared/ops/dead-letter-records';
import { ensureSchema, runSql, type SqlValue } from '@promethean/shared/platform/durable-sql';
import { z } from 'zod';

const MIGRATIONS = [
  `CREATE TABLE letters (id TEXT PRIMARY KEY, queue TEXT NOT NULL, target TEXT, reason TEXT NOT NULL,
     error TEXT NOT NULL, attempts INTEGER NOT NULL, dead_lettered_at TEXT NOT NULL, provider TEXT,
     tenant TEXT, intent TEXT, envelope_id TEXT, body TEXT NOT NULL, stored_at TEXT NOT NULL,
     replayed_at TEXT, replays INTEGER NOT NULL DEFAULT 0);
   CREATE INDEX letters_by_time ON letters (dead_lettered_at)`,
];

type Row = Omit<StoredLetter, 'body' | 'v'> & { body: string };

/** What a replay did; expected outcomes are values (they cross RPC intact), not thrown errors. */
export type ReplayOutcome =
  | {
      status: 'replayed';
      id: string;
      queue: string;
      envelope_id: string;
      target: string | null;
      replayed_at: string;
    }
  | { status: 'already_replayed'; id: string; replayed_at: string }
  | { status: 'not_found'; id: string }
  | { status: 'refused'; id: string; reason: string };

function toStored(row: Row): StoredLetter {
  const { body, target, provider, tenant, ...rest } = row;
  return {
    v: 1,
    ...rest,
    ...(target !== null && { target }),
    ...(provider !== null && { provider }),
    ...(tenant !== null && { tenant }),
    body: JSON.parse(body) as unknown,
  } as StoredLetter;
}

function where(filter: Omit<LetterFilter, 'limit'>): { sql: string; args: SqlValue[] } {
  const parts: string[] = [];
  const args: SqlValue[] = [];
  if (filter.reason !== undefined) {
    parts.push('reason = ?');
    args.push(filter.reason);
  }
  if (filter.agent !== undefined) {
    parts.push('target = ?');
    args.push(filter.agent);
  }
  if (filter.since !== undefined) {
    parts.push('dead_lettered_at >= ?');
    args.push(new Date(filter.since).toISOString());
  }
  return { sql: parts.length > 0 ? `WHERE ${parts.join(' AND ')}` : '', args };
}

export class DeadLetterArchive extends DurableObject<FunctionsEnv> {
  constructor(ctx: DurableObjectState, env: FunctionsEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => ensureSchema(ctx.storage, MIGRATIONS));
  }

  /** Stores letters (a letter already held is left as it is); answers with the new pending depth. */
  async store(input: unknown[]): Promise<{ stored: number; duplicates: number; depth: number }> {
    const letters = z.array(DeadLetter).parse(input);
    const withIds = await Promise.all(letters.map(async (l) => ({ id: await letterId(l), letter: l })));
    let stored = 0;
    const now = new Date().toISOString();
    this.ctx.storage.transactionSync(() => {
      for (const { id, letter } of withIds) {
        const envelope = (letter.body as { envelope?: { intent?: unknown; id?: unknown } } | null)?.envelope;
        const before = runSql<{ n: number }>(
          this.ctx.storage,
          'SELECT count(*) AS n FROM letters WHERE id = ?',
          id,
        );
        if ((before[0]?.n ?? 0) > 0) continue;
        runSql(
          this.ctx.storage,
          `INSERT INTO letters (id, queue, target, reason, error, attempts, dead_lettered_at, provider, tenant,
             intent, envelope_id, body, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          id,
          letter.queue,
          letter.target ?? null,
          letter.reason,
          letter.error,
          letter.attempts,
          letter.dead_lettered_at,
          letter.provider ?? null,
          letter.tenant ?? null,
          typeof envelope?.intent === 'string' ? envelope.intent : null,
          typeof envelope?.id === 'string' ? envelope.id : null,
          JSON.stringify(letter.body ?? null),
          now,
        );
        stored++;
      }
    });
    return { stored, duplicates: letters.length - stored, depth: this.depth().pending };
  }

  /** Letters newest first, filtered; bodies are left out (use `get`). */
  list(input: unknown = {}): { letters: LetterSummary[]; depth: { pending: number; total: number } } {
    const filter = LetterFilter.parse(input);
    const w = where(filter);
    const rows = runSql<Row>(
      this.ctx.storage,
      `SELECT * FROM letters ${w.sql} ORDER BY dead_lettered_at DESC, id LIMIT ?`,
      ...w.args,
      filter.limit,
    );
    return {
      letters: rows.map((r) => {
        const { body: _body, ...summary } = toStored(r);
        return summary;
      }),
      depth: this.depth(),
    };
  }

  get(id: string): StoredLetter | null {
    const row = runSql<Row>(this.ctx.storage, 'SELECT * FROM letters WHERE id = ?', String(id))[0];
    return row ? toStored(row) : null;
  }

  /** Pending: not yet replayed (what an operator still has to act on); total: everything held. */
  depth(): { pending: number; total: number } {
    const r = runSql<{ total: number; pending: number }>(
      this.ctx.storage,
      'SELECT count(*) AS total, coalesce(sum(replayed_at IS NULL), 0) AS pending FROM letters',
    )[0];
    return { pending: r?.pending ?? 0, total: r?.total ?? 0 };
  }

  /**
   * Re-sends the letter's original queue body (targeted at the agent that failed, if known) to the queue
   * it came from. The replay is recorded before the send, so a second replay sends nothing; if the send
   * fails the record is undone and the error surfaces.
   */
  async replay(id: string): Promise<ReplayOutcome> {
    const letter = this.get(id);
    if (!letter) return { status: 'not_found', id };
    if (letter.replayed_at !== null)
      return { status: 'already_replayed', id, replayed_at: letter.replayed_at };
    const body = QueueBody.safeParse(letter.body);
    if (!body.success)
      return { status: 'refused', id, reason: 'its body is not a bus message (no {v: 1, envelope})' };
    let envelope: ReturnType<typeof parseTypedEnvelope>;
    try {
      envelope = parseTypedEnvelope(body.data.envelope);
    } catch (e) {
      return { status: 'refused', id, reason: `its envelope is invalid: ${(e as Error).message}` };
    }
    const binding = this.#bindingFor(letter.queue, envelope.dst);
    const queue = (this.env as unknown as Record<string, Queue<QueueBody> | undefined>)[binding];
    if (!queue) return { status: 'refused', id, reason: `this Worker has no producer binding ${binding}` };
    const target = body.data.target ?? letter.target;
    const replayedAt = new Date().toISOString();
    runSql(
      this.ctx.storage,
      'UPDATE letters SET replayed_at = ?, replays = replays + 1 WHERE id = ?',
      replayedAt,
      id,
    );
    try {
      // The envelope exactly as it was (not the parsed copy, which fills in payload defaults).
      const original = body.data.envelope;
      await queue.send(
        { v: 1, envelope: original, ...(target !== undefined && { target }) },
        { contentType: 'json' },
      );
    } catch (e) {
      runSql(
        this.ctx.storage,
        'UPDATE letters SET replayed_at = NULL, replays = replays - 1 WHERE id = ?',
        id,
      );
      throw new Error(`replay of ${id} could not be sent to ${binding}: ${(e as Error).message}`, {
        cause: e,
      });
    }
    return {
      status: 'replayed',
      id,
      queue: letter.queue,
      envelope_id: envelope.id,
      target: target ?? null,
      replayed_at: replayedAt,
    };
  }

  /** Deletes by id, by filter (reason/agent/since) or everything (`{all: true}`). */
  purge(input: unknown): { purged: number; depth: { pending: number; total: number } } {
    const p = PurgeRequest.parse(input);
    const before = this.depth().total;
    if ('id' in p) runSql(this.ctx.storage, 'DELETE FROM letters WHERE id = ?', p.id);
    else if ('all' in p) runSql(this.ctx.storage, 'DELETE FROM letters');
    else {
      const w = where(p);
      runSql(this.ctx.storage, `DELETE FROM letters ${w.sql}`, ...w.args);
    }
    const depth = this.depth();
    return { purged: before - depth.total, depth };
  }

  /** The producer for the letter's queue; a letter from an unknown queue goes where its topic routes. */
  #bindingFor(queue: string, topic: string): string {
    const byName = bindingOfQueue(queue);
    return byName !== undefined && byName !== 'DEAD_LETTERS' ? byName : routeFor(topic).binding;
  }
}
