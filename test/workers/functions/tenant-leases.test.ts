/**
 * TenantLeases in workerd: what `acquire` leaves in its table is exactly the lease rule's holders (the
 * object writes only the difference), across grants, renewals, refusals, expiry and other leases' rows.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { TenantLeases } from '../../../functions/storage/tenant-leases.ts';

type Row = { name: string; holder: string; expires_at: number };

function leases(name: string): DurableObjectStub<TenantLeases> {
  return env.TENANT_LEASES.get(env.TENANT_LEASES.idFromName(name));
}

async function rows(stub: DurableObjectStub<TenantLeases>): Promise<Row[]> {
  return runInDurableObject(stub, async (_o: TenantLeases, state) =>
    state.storage.sql
      .exec<Row>('SELECT name, holder, expires_at FROM leases ORDER BY name, holder')
      .toArray()
      .map((r) => ({ ...r })),
  );
}

const TTL = 600_000;

describe('TenantLeases.acquire', () => {
  it('grants up to the limit, renews a holder in place and refuses beyond the limit', async () => {
    const stub = leases('discord:leases-grant');
    const before = Date.now();
    expect(await stub.acquire({ name: 'jobs', holder: 'a', limit: 2, ttl_ms: TTL })).toMatchObject({
      granted: true,
      holders: 1,
    });
    expect(await stub.acquire({ name: 'jobs', holder: 'b', limit: 2, ttl_ms: TTL })).toMatchObject({
      granted: true,
      holders: 2,
    });
    const first = await rows(stub);
    const refused = await stub.acquire({ name: 'jobs', holder: 'c', limit: 2, ttl_ms: TTL });
    expect(refused.granted).toBe(false);
    expect(refused.holders).toBe(2);
    expect(refused.retry_after_ms).toBeGreaterThan(0);
    // A refusal writes nothing.
    expect(await rows(stub)).toEqual(first);

    expect(await stub.acquire({ name: 'jobs', holder: 'a', limit: 2, ttl_ms: TTL * 2 })).toMatchObject({
      granted: true,
      holders: 2,
    });
    const after = await rows(stub);
    expect(after.map((r) => r.holder)).toEqual(['a', 'b']);
    expect(after.find((r) => r.holder === 'a')!.expires_at).toBeGreaterThanOrEqual(before + TTL * 2);
    expect(after.find((r) => r.holder === 'b')).toEqual(first.find((r) => r.holder === 'b'));
  });

  it('drops expired holders, which frees their places, and leaves other leases alone', async () => {
    const stub = leases('discord:leases-expiry');
    const now = Date.now();
    await runInDurableObject(stub, async (_o: TenantLeases, state) => {
      for (const [name, holder, expiresAt] of [
        ['jobs', 'gone-1', now - 1_000],
        ['jobs', 'gone-2', now - 1],
        ['jobs', 'live', now + TTL],
        ['other', 'gone-elsewhere', now - 1_000],
        ['other', 'live-elsewhere', now + TTL],
      ] as const) {
        state.storage.sql.exec(
          'INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)',
          name,
          holder,
          expiresAt,
        );
      }
    });
    expect(await stub.acquire({ name: 'jobs', holder: 'new', limit: 2, ttl_ms: TTL })).toMatchObject({
      granted: true,
      holders: 2,
    });
    const left = await rows(stub);
    expect(left.map((r) => `${r.name}/${r.holder}`)).toEqual([
      'jobs/live',
      'jobs/new',
      'other/gone-elsewhere',
      'other/live-elsewhere',
    ]);
    expect(left.find((r) => r.holder === 'live')!.expires_at).toBe(now + TTL);

    // Refused at the limit: the expired rows still go, nothing else changes.
    await runInDurableObject(stub, async (_o: TenantLeases, state) => {
      state.storage.sql.exec(
        'INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)',
        'jobs',
        'gone-3',
        now - 5,
      );
    });
    const refused = await stub.acquire({ name: 'jobs', holder: 'late', limit: 2, ttl_ms: TTL });
    expect(refused).toMatchObject({ granted: false, holders: 2 });
    expect((await rows(stub)).map((r) => `${r.name}/${r.holder}`)).toEqual([
      'jobs/live',
      'jobs/new',
      'other/gone-elsewhere',
      'other/live-elsewhere',
    ]);
  });

  it('a released place is granted to the next holder', async () => {
    const stub = leases('discord:leases-release');
    expect((await stub.acquire({ name: 'jobs', holder: 'a', limit: 1, ttl_ms: TTL })).granted).toBe(true);
    expect((await stub.acquire({ name: 'jobs', holder: 'b', limit: 1, ttl_ms: TTL })).granted).toBe(false);
    await stub.release({ name: 'jobs', holder: 'a' });
    expect(await stub.acquire({ name: 'jobs', holder: 'b', limit: 1, ttl_ms: TTL })).toMatchObject({
      granted: true,
      holders: 1,
    });
    expect((await rows(stub)).map((r) => r.holder)).toEqual(['b']);
  });
});
