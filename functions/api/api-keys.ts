/**
 * ApiKeys: the `/v1` API keys of the whole deployment, one singleton Durable Object. Each row holds the
 * SHA-256 of a key, never the key; the plain key exists only in the answer to `create`. Admin routes
 * manage it (api-key-routes.ts); the `/v1` middleware asks `lookup` with the hash of what it was shown.
 */
import { DurableObject } from 'cloudflare:workers';
import { SegmentName } from '@promethean/schemas/identifiers';
import { ensureSchema, runSql } from '@promethean/shared/platform/durable-sql';
import { z } from 'zod';
import { type ApiKeyRecord, generateApiKey, hashApiKey } from './api-key-format.ts';

/** The `idFromName` name of the one ApiKeys object. */
export const API_KEYS_OBJECT = 'api-keys';

const MIGRATIONS = [
  `CREATE TABLE api_keys (key_id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, provider TEXT NOT NULL,
     tenant TEXT NOT NULL, channels TEXT, label TEXT NOT NULL, created_at TEXT NOT NULL, revoked_at TEXT)`,
];

/** What an operator asks for when creating a key. */
export const CreateApiKey = z
  .object({
    provider: SegmentName,
    tenant: SegmentName,
    label: z.string().min(1).max(120),
    channels: z.array(z.string().min(1).max(100)).min(1).max(500).optional(),
  })
  .strict();
export type CreateApiKey = z.infer<typeof CreateApiKey>;

type Row = {
  key_id: string;
  provider: string;
  tenant: string;
  channels: string | null;
  label: string;
  created_at: string;
  revoked_at: string | null;
};

function recordOf(row: Row): ApiKeyRecord {
  return {
    key_id: row.key_id,
    provider: row.provider,
    tenant: row.tenant,
    ...(row.channels !== null && { channels: JSON.parse(row.channels) as string[] }),
    label: row.label,
    created_at: row.created_at,
    ...(row.revoked_at !== null && { revoked_at: row.revoked_at }),
  };
}

const COLUMNS = 'key_id, provider, tenant, channels, label, created_at, revoked_at';

export class ApiKeys extends DurableObject<FunctionsEnv> {
  constructor(ctx: DurableObjectState, env: FunctionsEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => ensureSchema(ctx.storage, MIGRATIONS));
  }

  /** Makes a key; the answer is the only place its plain text ever appears. */
  async create(input: unknown): Promise<{ key: string; record: ApiKeyRecord }> {
    const a = CreateApiKey.parse(input);
    const { keyId, key } = generateApiKey();
    const createdAt = new Date().toISOString();
    runSql(
      this.ctx.storage,
      `INSERT INTO api_keys (key_id, hash, provider, tenant, channels, label, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      keyId,
      await hashApiKey(key),
      a.provider,
      a.tenant,
      a.channels === undefined ? null : JSON.stringify(a.channels),
      a.label,
      createdAt,
    );
    const [row] = runSql<Row>(this.ctx.storage, `SELECT ${COLUMNS} FROM api_keys WHERE key_id = ?`, keyId);
    return { key, record: recordOf(row!) };
  }

  /** Every key, revoked ones included, newest first. */
  async list(): Promise<ApiKeyRecord[]> {
    return runSql<Row>(this.ctx.storage, `SELECT ${COLUMNS} FROM api_keys ORDER BY created_at DESC`).map(
      recordOf,
    );
  }

  /** Revokes a key at once; true when it existed and was live. */
  async revoke(keyId: string): Promise<boolean> {
    const live = runSql(
      this.ctx.storage,
      'SELECT key_id FROM api_keys WHERE key_id = ? AND revoked_at IS NULL',
      z.string().max(40).parse(keyId),
    );
    if (live.length === 0) return false;
    runSql(
      this.ctx.storage,
      'UPDATE api_keys SET revoked_at = ? WHERE key_id = ?',
      new Date().toISOString(),
      keyId,
    );
    return true;
  }

  /** The live key with this hash, or undefined. */
  async lookup(hash: string): Promise<ApiKeyRecord | undefined> {
    const [row] = runSql<Row>(
      this.ctx.storage,
      `SELECT ${COLUMNS} FROM api_keys WHERE hash = ? AND revoked_at IS NULL`,
      z
        .string()
        .regex(/^[0-9a-f]{64}$/)
        .parse(hash),
    );
    return row ? recordOf(row) : undefined;
  }
}
