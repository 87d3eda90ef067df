/**
 * The `/v1` API on the functions Worker inside workerd, over the real stores (TenantDocuments, Chroma with
 * offline embeddings, the ApiKeys Durable Object): keys created and revoked by an admin and stored hashed,
 * every operation answering the tenant of its key only, channel-narrowed keys, one error shape, the OpenAPI
 * document and the reference page.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { SocialMessageCreated, SocialMessageDeleted } from '@promethean/schemas/events/social-message';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import { CatalogCache } from '@promethean/shared/openapi-tools/catalog-cache';
import { ToolClient } from '@promethean/shared/openapi-tools/tool-client';
import { describe, expect, it } from 'vitest';
import { jobSpecDocument, outcomeDocument } from '../../../functions/agents/backfill/backfill-job.ts';
import {
  createdDocument,
  deletedDocument,
} from '../../../functions/agents/message-indexer/message-document.ts';
import { hashApiKey } from '../../../functions/api/api-key-format.ts';
import type { ApiKeys } from '../../../functions/api/api-keys.ts';
import { apiKeysStub } from '../../../functions/api/worker-v1-backend.ts';
import { app } from '../../../functions/src/http-app.ts';
import { tenantWithPorts } from '../../../functions/status-page/status-page-data.ts';
import { DurableObjectDocumentStore } from '../../../functions/storage/durable-object-document-store.ts';

const ADMIN = 'v1-api-test-admin-token-0123456789abcdef0123456789';
const testEnv = { ...env, ADMIN_TOKEN: ADMIN } as FunctionsEnv;
const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
/** Words no other test writes, so this file's messages are found whatever else is in the stores. */
const word = `quasar${Math.random().toString(36).slice(2, 8)}`;
const channelA = `v1a${word}`;
const channelB = `v1b${word}`;
const idBase = 1_950_000_000 + Math.floor(Math.random() * 1_000_000);

function message(n: number, channel: string, content: string): StoredDocument {
  const id = String(idBase * 10 + n);
  return createdDocument(
    { provider: 'echo', tenant: 'demo' },
    SocialMessageCreated.payload.parse({
      urn: `urn:echo:message:demo:${id}`,
      foreign_id: id,
      channel: { urn: `urn:echo:channel:demo:${channel}`, foreign_id: channel },
      author: { urn: 'urn:echo:user:demo:ada', foreign_id: 'ada', name: 'Ada', bot: false },
      content,
      created_at: `2026-11-21T10:00:0${n}.000Z`,
    }),
  );
}

const docs = [
  message(1, channelA, `${word} triangle proof in channel A`),
  message(2, channelB, `${word} triangle secret in channel B`),
  message(3, channelA, `${word} deleted soon`),
];
const ids = docs.map((d) => d.foreign_id);

let seeded: Promise<void> | undefined;
/** Stores the messages and their vectors the way the indexer and embedder do (offline embeddings). */
function seed(): Promise<void> {
  seeded ??= (async () => {
    const found = tenantWithPorts(testEnv, 'echo', 'demo');
    if (!found?.ports.models || !found.ports.vectors) throw new Error('echo/demo has no models or vectors');
    const store = new DurableObjectDocumentStore(env.TENANT_DOCUMENTS, 'echo', 'demo');
    await store.upsertMany('messages', docs);
    await store.upsertMany('messages', [
      deletedDocument(
        { provider: 'echo', tenant: 'demo' },
        SocialMessageDeleted.payload.parse({
          urn: docs[2]!.urn,
          foreign_id: ids[2]!,
          channel: { urn: `urn:echo:channel:demo:${channelA}`, foreign_id: channelA },
          deleted_at: '2026-11-21T11:00:00.000Z',
        }),
      ),
    ]);
    const job = {
      job_id: `job${word}`,
      channel: { urn: `urn:echo:channel:demo:${channelB}`, foreign_id: channelB },
      page_size: 100,
      started_at: '2026-11-21T09:00:00.000Z',
    };
    await store.upsertMany('jobs', [
      jobSpecDocument({ provider: 'echo', tenant: 'demo' }, job),
      outcomeDocument({ provider: 'echo', tenant: 'demo' }, job, {
        state: 'done',
        at: '2026-11-21T09:01:00.000Z',
        counts: { pages: 3, fetched: 250, upserted: 250 },
      }),
    ]);
    const texts = docs.map((d) =>
      String((d.slots.created?.value as { content?: string } | undefined)?.content),
    );
    const embedded = await found.ports.models.embed(texts);
    await found.ports.vectors.upsert(
      'messages',
      docs.map((d, i) => ({
        id: d.urn,
        embedding: embedded.vectors[i] ?? [],
        document: texts[i] ?? '',
        metadata: {
          channel_id: d.index.channel_id ?? '',
          author_id: 'ada',
          created_at: '2026-11-21T10:00:00.000Z',
        },
      })),
      { model: embedded.model, dimension: embedded.dimension },
    );
  })();
  return seeded;
}

async function createKey(body: Record<string, unknown>): Promise<{ key: string; key_id: string }> {
  const res = await app.request(
    '/admin/api-keys',
    { method: 'POST', headers: admin, body: JSON.stringify(body) },
    testEnv,
  );
  expect(res.status).toBe(201);
  return (await res.json()) as { key: string; key_id: string };
}

async function v1(path: string, key: string | undefined): Promise<Response> {
  return await app.request(
    `/v1${path}`,
    { headers: key === undefined ? {} : { authorization: `Bearer ${key}` } },
    testEnv,
  );
}

type Json = Record<string, unknown>;

describe('/v1 API keys', () => {
  it('are created by an admin only, stored as a hash, listed without the secret and revoked at once', async () => {
    const refused = await app.request('/admin/api-keys', { method: 'POST', body: '{}' }, testEnv);
    expect(refused.status).toBe(401);
    const unknownTenant = await app.request(
      '/admin/api-keys',
      {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ provider: 'echo', tenant: 'nobody', label: 'x' }),
      },
      testEnv,
    );
    expect(unknownTenant.status).toBe(404);

    const { key, key_id } = await createKey({ provider: 'echo', tenant: 'demo', label: 'revoke me' });
    expect(key).toMatch(/^pe_[0-9a-f]{16}_/);
    const listed = (await (await app.request('/admin/api-keys', { headers: admin }, testEnv)).json()) as {
      keys: Json[];
    };
    expect(listed.keys.find((k) => k.key_id === key_id)).toMatchObject({
      provider: 'echo',
      tenant: 'demo',
      label: 'revoke me',
    });
    expect(JSON.stringify(listed)).not.toContain(key);
    // At rest: the table holds the SHA-256 of the key and nothing of the key itself.
    const stub = apiKeysStub(testEnv);
    const rows = await runInDurableObject(stub, async (_o: ApiKeys, state) =>
      state.storage.sql.exec('SELECT * FROM api_keys WHERE key_id = ?', key_id).toArray(),
    );
    expect(rows[0]?.hash).toBe(await hashApiKey(key));
    expect(JSON.stringify(rows)).not.toContain(key.slice(20));

    expect((await v1('/tenant/status', key)).status).toBe(200);
    const revoked = await app.request(
      `/admin/api-keys/${key_id}`,
      { method: 'DELETE', headers: admin },
      testEnv,
    );
    expect(revoked.status).toBe(200);
    const after = await v1('/tenant/status', key);
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: Json }).error.code).toBe('unauthorized');
  });

  it('answers a missing, malformed or unknown key with 401 in the one error shape, and a request id', async () => {
    for (const key of [undefined, 'not-a-key', `pe_0123456789abcdef_${'A'.repeat(43)}`]) {
      const res = await v1('/channels', key);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      const body = (await res.json()) as { error: Json };
      expect(body.error.code).toBe('unauthorized');
      expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
    }
  });
});

describe('/v1 operations over the real stores', () => {
  it('search, get, list channels, job status and tenant status answer the key tenant', async () => {
    await seed();
    const { key } = await createKey({ provider: 'echo', tenant: 'demo', label: 'whole tenant' });

    const search = (await (await v1(`/messages/search?q=${word}%20triangle&limit=20`, key)).json()) as {
      offline: boolean;
      hits: Json[];
    };
    expect(search.offline).toBe(true);
    expect(search.hits.map((h) => h.message_id)).toEqual(expect.arrayContaining([ids[0], ids[1]]));

    const got = await v1(`/messages/${ids[0]}`, key);
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({
      message_id: ids[0],
      channel_id: channelA,
      author_name: 'Ada',
      content: `${word} triangle proof in channel A`,
    });
    // A deleted message is gone for the API, in the same shape as one that never existed.
    const deleted = await v1(`/messages/${ids[2]}`, key);
    expect(deleted.status).toBe(404);
    expect(((await deleted.json()) as { error: Json }).error.code).toBe('not_found');

    const channels = (await (await v1('/channels', key)).json()) as { channels: Json[] };
    expect(channels.channels.map((c) => c.channel_id)).toEqual(expect.arrayContaining([channelA, channelB]));

    const job = await v1(`/jobs/backfill/job${word}`, key);
    expect(await job.json()).toMatchObject({ state: 'done', pages: 3, fetched: 250, channel_id: channelB });

    const status = (await (await v1('/tenant/status', key)).json()) as Json;
    expect(status).toMatchObject({
      provider: 'echo',
      tenant: 'demo',
      documents_backend: 'sqlite',
      vectors_backend: 'chroma',
    });
    expect(status.messages).toBeGreaterThanOrEqual(2);
  });

  it('a key narrowed to one channel sees nothing of the others', async () => {
    await seed();
    const { key } = await createKey({
      provider: 'echo',
      tenant: 'demo',
      label: 'channel A',
      channels: [channelA],
    });
    const search = (await (
      await v1(`/messages/search?q=${word}%20triangle%20secret&limit=20`, key)
    ).json()) as { hits: Json[] };
    expect(search.hits.length).toBeGreaterThan(0);
    expect(search.hits.every((h) => h.channel_id === channelA)).toBe(true);
    expect((await v1(`/messages/search?q=${word}&channel_id=${channelB}`, key)).status).toBe(403);
    expect((await v1(`/messages/${ids[1]}`, key)).status).toBe(404);
    expect((await v1(`/jobs/backfill/job${word}`, key)).status).toBe(404);
    const channels = (await (await v1('/channels', key)).json()) as { channels: Json[] };
    expect(channels.channels.map((c) => c.channel_id)).toEqual([channelA]);
    expect(((await (await v1('/tenant/status', key)).json()) as Json).channel_scope).toEqual([channelA]);
  });

  it('a key of another tenant sees none of these messages', async () => {
    await seed();
    const { key } = await createKey({ provider: 'discord', tenant: 'goose', label: 'other tenant' });
    expect((await v1(`/messages/${ids[0]}`, key)).status).toBe(404);
    const status = (await (await v1('/tenant/status', key)).json()) as Json;
    expect(status).toMatchObject({ provider: 'discord', tenant: 'goose' });
  });

  it('refuses invalid parameters with 400 in the error shape', async () => {
    const { key } = await createKey({ provider: 'echo', tenant: 'demo', label: 'bad params' });
    const res = await v1('/messages/search?q=&limit=500', key);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: Json };
    expect(body.error.code).toBe('invalid_request');
    expect(String(body.error.message)).toContain('limit');
    expect((await v1('/no-such-operation', key)).status).toBe(404);
  });
});

describe('/v1 description', () => {
  it('serves the OpenAPI document and a reference page without a key', async () => {
    const doc = (await (await v1('/openapi.json', undefined)).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/messages/search',
        '/messages/{message_id}',
        '/channels',
        '/jobs/backfill/{job_id}',
        '/tenant/status',
      ]),
    );
    const page = await v1('/docs', undefined);
    expect(page.headers.get('content-type')).toContain('text/html');
    const text = await page.text();
    expect(text).toContain('searchMessages');
    expect(text).toContain('GET /v1/messages/search');
  });
});

describe('/v1 as tools inside workerd', () => {
  it('builds the catalog from /v1/openapi.json, validates arguments and calls search_messages', async () => {
    await seed();
    const { key } = await createKey({ provider: 'echo', tenant: 'demo', label: 'tools' });
    const doc = await (await v1('/openapi.json', undefined)).json();
    const catalog = await new CatalogCache().catalogFor(doc);
    expect(catalog.skipped).toEqual([]);
    const client = new ToolClient(catalog, {
      baseUrl: 'http://functions.test/v1',
      apiKey: key,
      fetch: async (r) => await app.fetch(r, testEnv),
    });
    const invalid = await client.invoke({ name: 'search_messages', arguments: '{"limit":"many"}' });
    expect(invalid.ok).toBe(false);
    const result = await client.invoke({
      name: 'search_messages',
      arguments: JSON.stringify({ q: `${word} proof`, limit: 20 }),
    });
    expect(result.ok).toBe(true);
    expect(
      result.ok && (JSON.parse(result.content) as { hits: Json[] }).hits.map((h) => h.message_id),
    ).toContain(ids[0]);
  });
});

describe('/v1 as an MCP server inside workerd', () => {
  it('initializes, lists the tools and calls one over streamable HTTP (JSON-RPC)', async () => {
    await seed();
    const { key } = await createKey({ provider: 'echo', tenant: 'demo', label: 'mcp' });
    const rpc = async (body: Record<string, unknown>) => {
      const res = await app.request(
        '/v1/mcp',
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2025-06-18',
          },
          body: JSON.stringify({ jsonrpc: '2.0', ...body }),
        },
        testEnv,
      );
      expect(res.status).toBe(200);
      return (await res.json()) as { result: Record<string, unknown> };
    };
    const init = await rpc({
      id: 1,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'workerd-test', version: '1' },
      },
    });
    expect(init.result.serverInfo).toMatchObject({ name: 'promethean-edge-v1' });
    const list = await rpc({ id: 2, method: 'tools/list', params: {} });
    expect((list.result.tools as Json[]).map((t) => t.name)).toContain('search_messages');
    const call = await rpc({
      id: 3,
      method: 'tools/call',
      params: { name: 'get_message', arguments: { message_id: ids[0] } },
    });
    expect((call.result.content as Array<{ text: string }>)[0]?.text).toContain(`${word} triangle proof`);
  });
});
