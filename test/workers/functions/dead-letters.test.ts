/**
 * Dead letters in workerd: the consumer of promethean-dead-letters files every letter (router letters,
 * bodies the platform moved itself, unreadable ones) per tenant and only once; the admin routes list,
 * show, replay (at most once, to the queue it came from) and purge them.
 */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import { DeadLetter } from '@promethean/shared/broker/queue-body';
import { describe, expect, it } from 'vitest';
import { consumeDeadLetters } from '../../../functions/ops/dead-letter-consumer.ts';
import { refileSpilledLetters, SPILL_PREFIX } from '../../../functions/ops/dead-letter-spill.ts';
import { functionsOps } from '../../../functions/ops/functions-ops.ts';
import { deadLetterArchive, ledgerSnapshot } from '../../../functions/ops/ops-bindings.ts';
import { app } from '../../../functions/src/http-app.ts';
import worker from '../../../functions/src/index.ts';
import { DurableObjectDocumentStore } from '../../../functions/storage/durable-object-document-store.ts';

const ADMIN = 'dlq-test-admin-token-0123456789abcdef0123456789';
const adminEnv = { ...env, ADMIN_TOKEN: ADMIN } as FunctionsEnv;
const auth = { authorization: `Bearer ${ADMIN}` };

function created(foreignId: string, tenant = 'demo') {
  return createEnvelope(
    SocialMessageCreated,
    {
      urn: `urn:echo:message:${tenant}:${foreignId}`,
      foreign_id: foreignId,
      channel: { urn: `urn:echo:channel:${tenant}:general`, foreign_id: 'general' },
      author: { urn: `urn:echo:user:${tenant}:ada`, foreign_id: 'ada', name: 'Ada' },
      content: `dead letter ${foreignId}`,
      created_at: '2026-11-20T10:00:00.000Z',
    },
    { src: 'test', provider: 'echo', tenant },
  );
}

function letter(foreignId: string, over: Partial<DeadLetter> = {}, tenant = 'demo'): DeadLetter {
  return DeadLetter.parse({
    v: 1,
    queue: 'promethean-events',
    target: 'message-indexer',
    reason: 'handler_failed',
    error: 'the store said no',
    attempts: 1,
    dead_lettered_at: '2026-11-20T10:00:00.000Z',
    body: { v: 1, envelope: created(foreignId, tenant) },
    provider: 'echo',
    tenant,
    ...over,
  });
}

async function consume(bodies: unknown[]) {
  const batch = createMessageBatch(
    'promethean-dead-letters',
    bodies.map((body, i) => ({
      id: `dl-${i}-${crypto.randomUUID()}`,
      timestamp: new Date(),
      attempts: 1,
      body,
    })),
  );
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return { batch, result: await getQueueResult(batch, ctx) };
}

async function list(tenantPath: string, query = '') {
  const res = await app.request(`/admin/dead-letters/${tenantPath}${query}`, { headers: auth }, adminEnv);
  expect(res.status).toBe(200);
  return (await res.json()) as {
    letters: Array<{
      id: string;
      reason: string;
      target?: string;
      replayed_at: string | null;
      envelope_id: string;
    }>;
    depth: { pending: number; total: number };
  };
}

/** Resolves once `check` holds, re-checking as the queue consumer makes progress (bounded). */
async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the dead-letter consumer', () => {
  it('files router letters, platform-moved bodies and unreadable ones per tenant, each once, acking all', async () => {
    const routerLetter = letter('store-1', {}, 'other');
    const platformMoved = { v: 1, envelope: created('store-2', 'other') };
    const unreadable = { hello: 'not a bus message' };
    const { result } = await consume([routerLetter, routerLetter, platformMoved, unreadable]);
    expect(result.explicitAcks).toHaveLength(4);
    expect(result.retryMessages).toEqual([]);
    const other = await list('echo/other');
    expect(other.depth).toEqual({ pending: 2, total: 2 });
    expect(other.letters.map((l) => l.reason).sort()).toEqual(['handler_failed', 'platform_max_retries']);
    const unknown = await list('unknown/unknown', '?reason=unreadable');
    expect(unknown.letters.length).toBeGreaterThanOrEqual(1);
    const snapshot = await ledgerSnapshot(env);
    expect(snapshot.dead_letters).toContainEqual(
      expect.objectContaining({ provider: 'echo', tenant: 'other', depth: 2 }),
    );
  });
});

describe('an archive outage', () => {
  it('spills letters to R2 and acks them, then the cron tick files them into the archive once', async () => {
    const failing = {
      idFromName: (name: string) => env.DEAD_LETTER_ARCHIVE.idFromName(name),
      get: () => ({
        store: async () => {
          throw new Error('archive unavailable (test)');
        },
      }),
    } as unknown as FunctionsEnv['DEAD_LETTER_ARCHIVE'];
    const letters = [letter('9001', {}, 'outage'), letter('9002', {}, 'outage')];
    const batch = createMessageBatch(
      'promethean-dead-letters',
      letters.map((body, i) => ({ id: `outage-${i}`, timestamp: new Date(), attempts: 1, body })),
    );
    const ctx = createExecutionContext();
    await consumeDeadLetters(batch, { DEAD_LETTER_ARCHIVE: failing, BLOBS: env.BLOBS }, functionsOps());
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(['outage-0', 'outage-1']);
    expect(result.retryMessages).toEqual([]);
    const spilled = await env.BLOBS.list({ prefix: SPILL_PREFIX });
    expect(spilled.objects).toHaveLength(2);
    expect((await list('echo/outage')).letters).toEqual([]);

    // The archive answers again: the next tick files both, once, and clears the spill.
    expect(await refileSpilledLetters(env)).toMatchObject({ refiled: 2, failures: 0 });
    expect(await refileSpilledLetters(env)).toMatchObject({ refiled: 0 });
    const filed = await list('echo/outage');
    expect(filed.letters.map((l) => l.envelope_id).sort()).toEqual(
      letters.map((l) => (l.body as { envelope: { id: string } }).envelope.id).sort(),
    );
    expect((await env.BLOBS.list({ prefix: SPILL_PREFIX })).objects).toEqual([]);
  });

  it('retries (never acks) when the archive and the spill both fail', async () => {
    const failing = {
      idFromName: (name: string) => env.DEAD_LETTER_ARCHIVE.idFromName(name),
      get: () => ({ store: async () => Promise.reject(new Error('archive down')) }),
    } as unknown as FunctionsEnv['DEAD_LETTER_ARCHIVE'];
    const bucket = { put: async () => Promise.reject(new Error('r2 down')) } as unknown as R2Bucket;
    const batch = createMessageBatch('promethean-dead-letters', [
      { id: 'both-down', timestamp: new Date(), attempts: 1, body: letter('9003', {}, 'outage') },
    ]);
    const ctx = createExecutionContext();
    await consumeDeadLetters(batch, { DEAD_LETTER_ARCHIVE: failing, BLOBS: bucket }, functionsOps());
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages.map((m: { msgId: string }) => m.msgId)).toEqual(['both-down']);
  });
});

describe('dead-letter admin routes', () => {
  it('require the admin token', async () => {
    expect((await app.request('/admin/dead-letters/echo/demo', {}, adminEnv)).status).toBe(401);
  });

  it('list with reason, agent and since filters, and show one letter with its body', async () => {
    await consume([
      letter(
        'filter-1',
        { reason: 'invalid_payload', dead_lettered_at: '2026-11-01T00:00:00.000Z' },
        'filters',
      ),
      letter('filter-2', { target: 'backfill', dead_lettered_at: '2026-11-10T00:00:00.000Z' }, 'filters'),
      letter('filter-3', { dead_lettered_at: '2026-11-20T00:00:00.000Z' }, 'filters'),
    ]);
    expect((await list('echo/filters')).letters).toHaveLength(3);
    expect((await list('echo/filters', '?reason=invalid_payload')).letters).toHaveLength(1);
    expect((await list('echo/filters', '?agent=backfill')).letters.map((l) => l.target)).toEqual([
      'backfill',
    ]);
    const recent = await list('echo/filters', '?since=2026-11-05T00:00:00Z');
    expect(recent.letters).toHaveLength(2);
    const bad = await app.request(
      '/admin/dead-letters/echo/filters?since=yesterday',
      { headers: auth },
      adminEnv,
    );
    expect(bad.status).toBe(400);
    const one = await app.request(
      `/admin/dead-letters/echo/filters/${recent.letters[0]!.id}`,
      { headers: auth },
      adminEnv,
    );
    expect(await one.json()).toMatchObject({
      id: recent.letters[0]!.id,
      body: { v: 1, envelope: { intent: 'SocialMessageCreated' } },
    });
    const missing = await app.request(
      '/admin/dead-letters/echo/filters/dl_nope',
      { headers: auth },
      adminEnv,
    );
    expect(missing.status).toBe(404);
  });

  it('replay a letter once to the queue it came from; the message reaches its agent', async () => {
    const foreignId = `replay-${crypto.randomUUID().slice(0, 8)}`;
    const dead = letter(foreignId);
    await consume([dead]);
    const envelopeId = (dead.body as { envelope: { id: string } }).envelope.id;
    const target = (await list('echo/demo')).letters.find((l) => l.envelope_id === envelopeId)!;
    const replay = () =>
      app.request(
        `/admin/dead-letters/echo/demo/${target.id}/replay`,
        { method: 'POST', headers: auth },
        adminEnv,
      );
    const first = await replay();
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({
      status: 'replayed',
      queue: 'promethean-events',
      target: 'message-indexer',
      envelope_id: envelopeId,
    });
    const second = await replay();
    expect(second.status).toBe(200);
    expect(await second.json()).toMatchObject({ status: 'already_replayed' });
    expect(await deadLetterArchive(env, { provider: 'echo', tenant: 'demo' }).get(target.id)).toMatchObject({
      replays: 1,
    });
    expect((await list('echo/demo')).depth.pending).toBe(0);
    // The one copy travels promethean-events to the real consumer and message-indexer stores it.
    const store = new DurableObjectDocumentStore(env.TENANT_DOCUMENTS, 'echo', 'demo');
    const doc = await eventually(
      () => store.get('messages', foreignId),
      'the replayed message being indexed',
    );
    expect(doc.urn).toBe(`urn:echo:message:demo:${foreignId}`);
  });

  it('refuse to replay a letter whose body is not a valid bus message, saying why', async () => {
    const broken = letter(
      'broken',
      { reason: 'invalid_payload', body: { v: 1, envelope: { id: 'x', intent: 'SocialMessageCreated' } } },
      'broken',
    );
    await consume([broken]);
    const [stored] = (await list('echo/broken')).letters;
    const res = await app.request(
      `/admin/dead-letters/echo/broken/${stored!.id}/replay`,
      { method: 'POST', headers: auth },
      adminEnv,
    );
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /cannot be replayed: its envelope is invalid/,
    );
    expect((await list('echo/broken')).letters[0]!.replayed_at).toBeNull();
  });

  it('purge by id, by filter and everything for a tenant', async () => {
    await consume([
      letter('purge-1', { reason: 'timeout' }, 'purge'),
      letter('purge-2', { reason: 'timeout', dead_lettered_at: '2026-11-21T00:00:00.000Z' }, 'purge'),
      letter('purge-3', { reason: 'handler_failed' }, 'purge'),
      letter('purge-4', { reason: 'handler_failed', dead_lettered_at: '2026-11-22T00:00:00.000Z' }, 'purge'),
    ]);
    const all = (await list('echo/purge')).letters;
    expect(all).toHaveLength(4);
    const byId = await app.request(
      `/admin/dead-letters/echo/purge/${all[0]!.id}`,
      { method: 'DELETE', headers: auth },
      adminEnv,
    );
    expect(await byId.json()).toMatchObject({ purged: 1, depth: { total: 3 } });
    const purge = (body: unknown) =>
      app.request(
        '/admin/dead-letters/echo/purge/purge',
        {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
        adminEnv,
      );
    expect((await purge({})).status).toBe(400);
    const remainingTimeouts = (await list('echo/purge', '?reason=timeout')).letters.length;
    expect(await (await purge({ reason: 'timeout' })).json()).toMatchObject({ purged: remainingTimeouts });
    expect(await (await purge({ all: true })).json()).toMatchObject({ depth: { pending: 0, total: 0 } });
    expect((await ledgerSnapshot(env)).dead_letters).toContainEqual(
      expect.objectContaining({ tenant: 'purge', depth: 0 }),
    );
  });
});
