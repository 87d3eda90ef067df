/**
 * AdminSessions: the status page's signed-in sessions and the sign-in attempts per client, in one
 * Durable Object (a singleton). A session cookie names a random id signed with the admin token; this
 * object says whether that id is still live, so signing out (or expiry) really ends it, and it counts
 * failed sign-ins per client so the admin token cannot be guessed at speed.
 */
import { DurableObject } from 'cloudflare:workers';
import { ensureSchema, runSql } from '@promethean/shared/platform/durable-sql';
import { z } from 'zod';

const MIGRATIONS = [
  'CREATE TABLE sessions (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)',
  'CREATE TABLE failures (client TEXT NOT NULL, at INTEGER NOT NULL)',
  'CREATE INDEX failures_by_client ON failures (client, at)',
];

/** Failed sign-ins a client may make per window before it must wait. */
export const SIGN_IN_FAILURES_ALLOWED = 5;
export const SIGN_IN_WINDOW_MS = 5 * 60_000;

const SessionId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);
const Client = z.string().min(1).max(200);
const OpenInput = z.object({ id: SessionId, expires_at: z.number().int().positive() });

export class AdminSessions extends DurableObject<FunctionsEnv> {
  constructor(ctx: DurableObjectState, env: FunctionsEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => ensureSchema(ctx.storage, MIGRATIONS));
  }

  /** 0 when `client` may try to sign in now, else how long it must wait (ms). */
  async signInWait(client: unknown, now: number): Promise<number> {
    const c = Client.parse(client);
    const since = now - SIGN_IN_WINDOW_MS;
    runSql(this.ctx.storage, 'DELETE FROM failures WHERE at <= ?', since);
    const recent = runSql<{ at: number }>(
      this.ctx.storage,
      'SELECT at FROM failures WHERE client = ? ORDER BY at ASC',
      c,
    );
    if (recent.length < SIGN_IN_FAILURES_ALLOWED) return 0;
    const oldest = recent[recent.length - SIGN_IN_FAILURES_ALLOWED]!.at;
    return Math.max(1, oldest + SIGN_IN_WINDOW_MS - now);
  }

  async signInFailed(client: unknown, now: number): Promise<void> {
    runSql(this.ctx.storage, 'INSERT INTO failures (client, at) VALUES (?, ?)', Client.parse(client), now);
  }

  async open(input: unknown): Promise<void> {
    const s = OpenInput.parse(input);
    runSql(this.ctx.storage, 'DELETE FROM sessions WHERE expires_at <= ?', Date.now());
    runSql(
      this.ctx.storage,
      'INSERT OR REPLACE INTO sessions (id, expires_at) VALUES (?, ?)',
      s.id,
      s.expires_at,
    );
  }

  async isLive(id: unknown, now: number): Promise<boolean> {
    const parsed = SessionId.safeParse(id);
    if (!parsed.success) return false;
    const rows = runSql<{ expires_at: number }>(
      this.ctx.storage,
      'SELECT expires_at FROM sessions WHERE id = ?',
      parsed.data,
    );
    return rows.length === 1 && rows[0]!.expires_at > now;
  }

  async revoke(id: unknown): Promise<void> {
    const parsed = SessionId.safeParse(id);
    if (parsed.success) runSql(this.ctx.storage, 'DELETE FROM sessions WHERE id = ?', parsed.data);
  }
}
