/**
 * TenantLeases: one Durable Object per provider+tenant holding that tenant's counting leases (e.g. how
 * many backfill jobs may run at once). A Durable Object runs one call at a time, so a decision and its
 * write are atomic without extra locking.
 */
import { DurableObject } from 'cloudflare:workers';
import type { LeaseGrant } from '@promethean/shared/effects/effect-ports';
import { decideLease, type LeaseHolder } from '@promethean/shared/effects/lease-rule';
import { ensureSchema, runSql } from '@promethean/shared/platform/durable-sql';
import { z } from 'zod';

const MIGRATIONS = [
  `CREATE TABLE leases (name TEXT NOT NULL, holder TEXT NOT NULL, expires_at INTEGER NOT NULL,
     PRIMARY KEY (name, holder))`,
];

const AcquireInput = z.object({
  name: z.string().min(1).max(200),
  holder: z.string().min(1).max(300),
  limit: z.number().int().positive().max(10_000),
  ttl_ms: z.number().int().positive().max(86_400_000),
});
const ReleaseInput = AcquireInput.pick({ name: true, holder: true });

export class TenantLeases extends DurableObject<FunctionsEnv> {
  constructor(ctx: DurableObjectState, env: FunctionsEnv) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => ensureSchema(ctx.storage, MIGRATIONS));
  }

  /** Grants, renews or refuses a place in lease `name` for `holder`. */
  async acquire(input: unknown): Promise<LeaseGrant> {
    const a = AcquireInput.parse(input);
    let grant: LeaseGrant | undefined;
    this.ctx.storage.transactionSync(() => {
      const current = runSql<LeaseHolder & Record<string, string | number>>(
        this.ctx.storage,
        'SELECT holder, expires_at FROM leases WHERE name = ?',
        a.name,
      );
      const now = Date.now();
      const decision = decideLease(current, a.holder, a.limit, a.ttl_ms, now);
      // The rows end as decision.holders, written as the difference: the rule keeps every live holder as
      // it was and changes only the asking one, so the expired rows go and that one row is upserted. Every
      // job's page request acquires, and rewriting all holders cost a statement per holder each time.
      runSql(this.ctx.storage, 'DELETE FROM leases WHERE name = ? AND expires_at <= ?', a.name, now);
      const asked = decision.holders.find((h) => h.holder === a.holder);
      if (asked) {
        runSql(
          this.ctx.storage,
          `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
           ON CONFLICT (name, holder) DO UPDATE SET expires_at = excluded.expires_at`,
          a.name,
          asked.holder,
          asked.expires_at,
        );
      }
      grant = decision.grant;
    });
    return grant!;
  }

  /** Gives up `holder`'s place (a no-op when it holds none). */
  async release(input: unknown): Promise<void> {
    const r = ReleaseInput.parse(input);
    runSql(this.ctx.storage, 'DELETE FROM leases WHERE name = ? AND holder = ?', r.name, r.holder);
  }

  /** Live holders per lease, for the status page. */
  async holders(): Promise<Record<string, string[]>> {
    const rows = runSql<{ name: string; holder: string }>(
      this.ctx.storage,
      'SELECT name, holder FROM leases WHERE expires_at > ? ORDER BY name, holder',
      Date.now(),
    );
    const out: Record<string, string[]> = {};
    for (const row of rows) {
      const list = out[row.name] ?? [];
      list.push(row.holder);
      out[row.name] = list;
    }
    return out;
  }
}
