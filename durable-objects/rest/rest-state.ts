/**
 * The REST access state that must survive eviction, in the RestBuckets Durable Object's SQLite:
 * the invalid-request log (circuit breaker), the token switch, idempotent results and held
 * interaction tokens.
 */
import { ensureSchema, runSql } from '@promethean/shared/platform/durable-sql';

const MIGRATIONS = [
  `CREATE TABLE invalid_requests (at INTEGER NOT NULL, status INTEGER NOT NULL, route TEXT NOT NULL);
   CREATE INDEX invalid_requests_at ON invalid_requests (at);
   CREATE TABLE token_state (id INTEGER PRIMARY KEY CHECK (id = 1), disabled_at INTEGER, reason TEXT);
   CREATE TABLE idempotent_results (key TEXT PRIMARY KEY, result_json TEXT NOT NULL, expires_at INTEGER NOT NULL);
   CREATE TABLE interaction_tokens (urn TEXT PRIMARY KEY, application_id TEXT NOT NULL, token TEXT NOT NULL,
     expires_at INTEGER NOT NULL)`,
];

export interface BudgetReport {
  invalid_in_window: number;
  budget: number;
  window_s: number;
  breaker_open: boolean;
  /** When the breaker is open: how long until enough old entries age out. */
  reopens_in_ms: number;
}

const RESULT_PREFIX = 'result:';
/** `expiry:<zero-padded expires_at>:<key>`, so the sweep lists only what has expired. */
const EXPIRY_PREFIX = 'expiry:';
const expiryKey = (at: number) => String(at).padStart(16, '0');

interface StoredResult {
  result_json: string;
  expires_at: number;
}

export class RestState {
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
    ensureSchema(storage, MIGRATIONS);
  }

  recordInvalid(now: number, status: number, route: string): void {
    runSql(
      this.#storage,
      'INSERT INTO invalid_requests (at, status, route) VALUES (?, ?, ?)',
      now,
      status,
      route,
    );
  }

  /** Counts invalid requests in the sliding window; the breaker is open at or above the budget. */
  budget(now: number, budget: number, windowS: number): BudgetReport {
    const since = now - windowS * 1000;
    const rows = runSql<{ at: number }>(
      this.#storage,
      'SELECT at FROM invalid_requests WHERE at > ? ORDER BY at ASC',
      since,
    );
    const open = rows.length >= budget;
    const pivot = rows[rows.length - budget];
    return {
      invalid_in_window: rows.length,
      budget,
      window_s: windowS,
      breaker_open: open,
      reopens_in_ms: open && pivot ? Math.max(0, pivot.at + windowS * 1000 - now) : 0,
    };
  }

  tokenDisabled(): { disabled_at: number; reason: string } | undefined {
    const row = runSql<{ disabled_at: number | null; reason: string | null }>(
      this.#storage,
      'SELECT disabled_at, reason FROM token_state WHERE id = 1',
    )[0];
    return row?.disabled_at ? { disabled_at: row.disabled_at, reason: row.reason ?? '' } : undefined;
  }

  disableToken(now: number, reason: string): void {
    runSql(
      this.#storage,
      'INSERT INTO token_state (id, disabled_at, reason) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET disabled_at = excluded.disabled_at, reason = excluded.reason',
      now,
      reason,
    );
  }

  enableToken(): void {
    runSql(this.#storage, 'DELETE FROM token_state');
  }

  /**
   * Idempotent results live in the key-value API, not SQL, because only its writes can be
   * unconfirmed: a confirmed write holds every outgoing message of the object, Discord calls
   * included, until it is durable, which under load adds the commit time to every call's round trip
   * and so to the global limiter's accounting. The caller still gets its answer only after
   * `flush()`, so nothing is acknowledged before it is stored.
   */
  storedResult(key: string, now: number): string | undefined {
    const row = this.#storage.kv.get<StoredResult>(`${RESULT_PREFIX}${key}`);
    return row !== undefined && row.expires_at > now ? row.result_json : undefined;
  }

  storeResult(key: string, resultJson: string, expiresAt: number): void {
    const row: StoredResult = { result_json: resultJson, expires_at: expiresAt };
    const unconfirmed = { allowUnconfirmed: true };
    void this.#storage.put(`${RESULT_PREFIX}${key}`, row, unconfirmed);
    void this.#storage.put(`${EXPIRY_PREFIX}${expiryKey(expiresAt)}:${key}`, key, unconfirmed);
  }

  /** Resolves once every write so far is durable (unconfirmed ones included). */
  flush(): Promise<void> {
    return this.#storage.sync();
  }

  holdInteractionToken(urn: string, applicationId: string, token: string, expiresAt: number): void {
    runSql(
      this.#storage,
      'INSERT OR REPLACE INTO interaction_tokens (urn, application_id, token, expires_at) VALUES (?, ?, ?, ?)',
      urn,
      applicationId,
      token,
      expiresAt,
    );
  }

  interactionToken(urn: string, now: number): { application_id: string; token: string } | undefined {
    return runSql<{ application_id: string; token: string }>(
      this.#storage,
      'SELECT application_id, token FROM interaction_tokens WHERE urn = ? AND expires_at > ?',
      urn,
      now,
    )[0];
  }

  /** Drops what can no longer matter; returns how many rows went. */
  sweep(now: number, invalidWindowS: number): number {
    let removed = 0;
    for (const [sql, arg] of [
      ['DELETE FROM invalid_requests WHERE at <= ?', now - invalidWindowS * 1000],
      // Results stored before they moved to the key-value API.
      ['DELETE FROM idempotent_results WHERE expires_at <= ?', now],
      ['DELETE FROM interaction_tokens WHERE expires_at <= ?', now],
    ] as const) {
      removed += this.#storage.sql.exec(sql, arg).rowsWritten;
    }
    const expired = this.#storage.kv.list<string>({
      prefix: EXPIRY_PREFIX,
      end: `${EXPIRY_PREFIX}${expiryKey(now)}`,
    });
    for (const [expiry, key] of [...expired]) {
      this.#storage.kv.delete(expiry);
      if (this.#storage.kv.delete(`${RESULT_PREFIX}${key}`)) removed++;
    }
    return removed;
  }
}
