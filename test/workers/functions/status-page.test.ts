/**
 * The status page on the functions Worker inside workerd: refused (401, sign-in form, no data) without the
 * admin token, signed in through the HttpOnly SameSite=Strict cookie or a bearer token, live data from the
 * real stores (TenantDocuments, Chroma, the ops ledger), user content escaped, search results from Chroma
 * with the offline label, and a page that still renders when Chroma is unreachable.
 */
import { env } from 'cloudflare:workers';
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import { describe, expect, it } from 'vitest';
import { createdDocument } from '../../../functions/agents/message-indexer/message-document.ts';
import { R2BlobStore } from '../../../functions/blobs/r2-blob-store.ts';
import { deadLetterArchive } from '../../../functions/ops/ops-bindings.ts';
import { app } from '../../../functions/src/http-app.ts';
import { tenantWithPorts } from '../../../functions/status-page/status-page-data.ts';
import { DurableObjectDocumentStore } from '../../../functions/storage/durable-object-document-store.ts';

const ADMIN = 'status-page-test-admin-token-0123456789abcdef0123456789';
const adminEnv = { ...env, ADMIN_TOKEN: ADMIN } as FunctionsEnv;
const bearer = { authorization: `Bearer ${ADMIN}` };
const INJECTION = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

/** A word no other test writes, so this file's messages are found whatever else is in the stores. */
const word = `zephyr${Math.random().toString(36).slice(2, 8)}`;

function message(id: string, content: string, author = 'Ada'): StoredDocument {
  return createdDocument(
    { provider: 'echo', tenant: 'demo' },
    SocialMessageCreated.payload.parse({
      urn: `urn:echo:message:demo:${id}`,
      foreign_id: id,
      channel: { urn: 'urn:echo:channel:demo:general', foreign_id: 'general' },
      author: {
        urn: `urn:echo:user:demo:${author.toLowerCase()}`,
        foreign_id: author.toLowerCase(),
        name: author,
        bot: false,
      },
      content,
      created_at: '2026-11-20T10:00:00.000Z',
    }),
  );
}

/** Stores the messages and their vectors the way the indexer and embedder do (offline embeddings). */
async function seed(docs: StoredDocument[]): Promise<void> {
  const found = tenantWithPorts(adminEnv, 'echo', 'demo');
  if (!found?.ports.models || !found.ports.vectors) throw new Error('echo/demo has no models or vectors');
  await new DurableObjectDocumentStore(env.TENANT_DOCUMENTS, 'echo', 'demo').upsertMany('messages', docs);
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
        channel_id: 'general',
        author_id: d.index.author_id ?? '',
        created_at: '2026-11-20T10:00:00.000Z',
      },
    })),
    { model: embedded.model, dimension: embedded.dimension },
  );
}

describe('access to the status page', () => {
  it('without a token answers 401 with a sign-in form and no data', async () => {
    await seed([message('1900000001', `secret ${word} plans`)]);
    const res = await app.request('/status', {}, adminEnv);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toContain('text/html');
    const body = await res.text();
    expect(body).toContain('<form method="post" action="/status/sign-in">');
    expect(body).not.toContain(word);
    expect(body).not.toContain('echo/demo');
    expect(
      (await app.request('/status', { headers: { authorization: 'Bearer wrong' } }, adminEnv)).status,
    ).toBe(401);
    expect((await app.request('/status/panels', {}, adminEnv)).status).toBe(401);
    expect((await app.request(`/status/search?tenant=echo/demo&q=${word}`, {}, adminEnv)).status).toBe(401);
  });

  it('is closed (503) when the deployment has no ADMIN_TOKEN', async () => {
    const res = await app.request('/status', {}, { ...env, ADMIN_TOKEN: '' } as FunctionsEnv);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('ADMIN_TOKEN');
  });

  const ORIGIN = 'http://functions.test';
  const signIn = (
    token: string,
    headers: Record<string, string> = { origin: ORIGIN },
    client = '198.51.100.7',
  ) =>
    app.request(
      `${ORIGIN}/status/sign-in`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'cf-connecting-ip': client,
          ...headers,
        },
        body: new URLSearchParams({ token }).toString(),
      },
      adminEnv,
    );

  it('signs in with the token: a signed __Host- session cookie (never the token), then the page; sign-out revokes it', async () => {
    const wrong = await signIn('not-it');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('That is not the admin token.');

    const right = await signIn(ADMIN, { origin: ORIGIN }, '198.51.100.8');
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/status');
    const setCookie = right.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/^__Host-promethean_session=[A-Za-z0-9_-]{32}\.\d+\.[A-Za-z0-9_-]+;/);
    expect(setCookie).not.toContain(ADMIN);
    for (const attribute of ['HttpOnly', 'SameSite=Strict', 'Secure', 'Path=/', 'Max-Age=43200'])
      expect(setCookie).toContain(attribute);
    expect(setCookie).not.toMatch(/Domain=/i);
    const cookie = setCookie.split(';')[0]!;
    const page = await app.request('/status', { headers: { cookie } }, adminEnv);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'nonce-");
    expect(await page.text()).toContain('Promethean Edge — status');

    const out = await app.request(
      `${ORIGIN}/status/sign-out`,
      { method: 'POST', headers: { cookie, origin: ORIGIN } },
      adminEnv,
    );
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/__Host-promethean_session=;.*Max-Age=0/);
    // The old cookie is dead on the server, not only forgotten by the browser.
    expect((await app.request('/status', { headers: { cookie } }, adminEnv)).status).toBe(401);
    expect((await app.request('/status/panels', { headers: { cookie } }, adminEnv)).status).toBe(401);
  });

  it('refuses a sign-in posted from another site', async () => {
    const res = await signIn(ADMIN, { origin: 'https://evil.example' }, '198.51.100.9');
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('limits wrong tokens per client: the sixth within five minutes waits, another client does not', async () => {
    const client = '203.0.113.50';
    for (let i = 0; i < 5; i++)
      expect((await signIn(`guess-${i}`, { origin: ORIGIN }, client)).status).toBe(401);
    const limited = await signIn(ADMIN, { origin: ORIGIN }, client);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.headers.get('set-cookie')).toBeNull();
    expect((await signIn(ADMIN, { origin: ORIGIN }, '203.0.113.51')).status).toBe(303);
  });

  it('refuses cookie-authenticated admin writes from another origin (dead-letter purge)', async () => {
    const right = await signIn(ADMIN, { origin: ORIGIN }, '198.51.100.10');
    const cookie = (right.headers.get('set-cookie') ?? '').split(';')[0]!;
    const purge = (origin: string) =>
      app.request(
        `${ORIGIN}/admin/dead-letters/discord/duck/purge`,
        { method: 'POST', headers: { cookie, origin } },
        adminEnv,
      );
    expect((await purge('https://evil.example')).status).toBe(403);
    expect((await purge(ORIGIN)).status).not.toBe(403);
  });
});

describe('what the page shows', () => {
  it('renders tenants, recent messages with user content escaped, queues and the empty states', async () => {
    await seed([message('1900000002', `${INJECTION} ${word}`, 'Mallory<b>')]);
    const res = await app.request('/status', { headers: bearer }, adminEnv);
    expect(res.status).toBe(200);
    const body = await res.text();
    for (const tenant of ['echo/demo', 'discord/duck', 'discord/goose'])
      expect(body).toContain(`data-tenant="${tenant}"`);
    expect(body).not.toContain(INJECTION);
    expect(body).not.toContain('<script>window.__pwned');
    expect(body).toContain(
      '&lt;script&gt;window.__pwned = 1&lt;/script&gt;&lt;img src=x onerror=&quot;window.__pwned = 2&quot;&gt;',
    );
    expect(body).toContain('Mallory&lt;b&gt;');
    // Goose has never stored anything here: its card says so instead of showing an empty table.
    const goose = body.slice(body.indexOf('id="tenant-discord-goose"'));
    expect(goose).toContain('No messages stored for this tenant yet.');
    expect(goose).toContain('No dead letters.');
    expect(body).toContain('id="queues"');
    expect(body).toContain('id="latency"');
    // Only the page's own nonce-carrying script, no other.
    expect(body.match(/<script/g)).toHaveLength(1);
  });

  it('serves the live panels as a fragment', async () => {
    const res = await app.request('/status/panels', { headers: bearer }, adminEnv);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).not.toContain('<html');
    expect(body).toContain('id="tenants"');
  });
});

describe('the search box', () => {
  it('finds seeded messages in Chroma, labelled offline, with channel, author, time and distance', async () => {
    await seed([message('1900000003', `the ${word} migration starts at noon`, 'Grace')]);
    const res = await app.request(
      `/status/search?tenant=echo/demo&q=${word}%20migration`,
      { headers: bearer },
      adminEnv,
    );
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain(`the ${word} migration starts at noon`);
    expect(body).toContain('Offline mode');
    expect(body).toContain('<code>general</code>');
    expect(body).toContain('Grace');
    expect(body).toMatch(/<td class="num">\d\.\d{3}<\/td>/);
  });

  it('escapes the query, and renders the same results in the page without JavaScript', async () => {
    const q = encodeURIComponent(`"><script>alert(1)</script> ${word}`);
    const fragment = await (
      await app.request(`/status/search?tenant=echo/demo&q=${q}`, { headers: bearer }, adminEnv)
    ).text();
    expect(fragment).not.toContain('<script>alert(1)</script>');
    expect(fragment).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    const page = await (
      await app.request(`/status?tenant=echo/demo&q=${q}`, { headers: bearer }, adminEnv)
    ).text();
    expect(page).not.toContain('<script>alert(1)</script>');
    expect(page).toContain(`value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt; ${word}"`);
    expect(page).toContain('class="search-results"');
  });

  it('says the vector store is down when Chroma is unreachable, and the page still renders', async () => {
    const down = { ...adminEnv, CHROMA_URL: 'http://127.0.0.1:9' } as unknown as FunctionsEnv;
    const fragment = await (
      await app.request(`/status/search?tenant=echo/demo&q=${word}`, { headers: bearer }, down)
    ).text();
    expect(fragment).toContain('Search is unavailable: the vector store did not answer');
    const page = await app.request(`/status?tenant=echo/demo&q=${word}`, { headers: bearer }, down);
    expect(page.status).toBe(200);
    const body = await page.text();
    expect(body).toContain('Search is unavailable');
    expect(body).toContain('id="tenants"');
  });

  it('refuses an unusable search with 400 and names an unknown tenant', async () => {
    expect(
      (await app.request('/status/search?tenant=echo/demo&q=', { headers: bearer }, adminEnv)).status,
    ).toBe(400);
    const unknown = await app.request(
      '/status/search?tenant=echo/nobody&q=hi',
      { headers: bearer },
      adminEnv,
    );
    expect(await unknown.text()).toContain('providers.yml has no tenant');
  });
});

describe('voice sessions', () => {
  const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]);
  const session = `vs-${Math.random().toString(36).slice(2, 8)}`;
  const segment = (id: string, slots: StoredDocument['slots']): StoredDocument => ({
    provider: 'echo',
    tenant: 'demo',
    foreign_id: `${session}:${id}`,
    urn: `urn:echo:voice-segment:demo:${session}:${id}`,
    index: { session_id: session, user_id: 'ada', kind: 'segment' },
    slots,
  });

  it('shows transcripts, replies and spectrograms, served as PNG only through the admin route', async () => {
    const v = '2026-11-20T10:00:00.000Z';
    const store = new DurableObjectDocumentStore(env.TENANT_DOCUMENTS, 'echo', 'demo');
    await new R2BlobStore(env.BLOBS, 'echo', 'demo').put(
      `spectrograms/${session}/ada-1000.png`,
      PNG,
      'image/png',
    );
    await new R2BlobStore(env.BLOBS, 'echo', 'demo').put(
      `spectrograms/${session}/bad.png`,
      'not a png',
      'image/png',
    );
    await store.upsertMany('voice', [
      {
        provider: 'echo',
        tenant: 'demo',
        foreign_id: `session:${session}`,
        urn: `urn:echo:voice-session:demo:${session}`,
        index: { kind: 'session' },
        slots: {
          join: { version: v, value: { channel_id: 'voice-1', channel_name: 'Lounge', at: 1_000 } },
          state: { version: v, value: { status: 'ready', channel_id: 'voice-1', at: 1_500 } },
        },
      },
      segment('ada-1000', {
        segment: { version: v, value: { ts_start: 1_000, ts_end: 2_400, blob_key: 'pcm/x' } },
        transcript: {
          version: v,
          value: { text: `is the ${word} ready <b>`, confidence: 0.8, offline: true, latency_ms: 95 },
        },
        spectrogram: {
          version: v,
          value: { image_key: `spectrograms/${session}/ada-1000.png`, matrix_key: 'm' },
        },
        reply: { version: v, value: { reply_id: 'r-1', text: 'It is ready.', offline: true } },
        playback: { version: v, value: { reply_id: 'r-1', speech_to_first_chunk_ms: 640 } },
      }),
      segment('ada-5000', {
        segment: { version: v, value: { ts_start: 5_000, ts_end: 6_000 } },
        spectrogram: { version: v, value: { image_key: `spectrograms/${session}/bad.png` } },
      }),
    ]);

    const body = await (await app.request('/status', { headers: bearer }, adminEnv)).text();
    const card = body.slice(body.indexOf(`data-session="${session}"`));
    expect(card).toContain(`is the ${word} ready &lt;b&gt;`);
    expect(card).toContain('[offline transcription]');
    expect(card).toContain('It is ready.');
    expect(card).toContain('channel <code>Lounge</code>');
    expect(card).toContain('state <code>ready</code>');
    expect(card).toContain('[offline reply]');
    expect(card).toContain('first sound 640 ms after the end of speech');
    expect(card).toContain('not transcribed yet');

    const url = (id: string) =>
      `/status/voice/echo/demo/spectrogram?id=${encodeURIComponent(`${session}:${id}`)}`;
    expect((await app.request(url('ada-1000'), {}, adminEnv)).status).toBe(401);
    const image = await app.request(url('ada-1000'), { headers: bearer }, adminEnv);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(PNG);
    expect((await app.request(url('ada-5000'), { headers: bearer }, adminEnv)).status).toBe(502);
    expect((await app.request(url('nobody-1'), { headers: bearer }, adminEnv)).status).toBe(404);
  });
});

describe('dead letters on the page', () => {
  it('lists the tenant’s newest letters, escaped, with replay and purge wired to the admin API', async () => {
    const scope = { provider: 'discord', tenant: 'duck' };
    await deadLetterArchive(env, scope).store([
      {
        v: 1,
        queue: 'promethean-events',
        target: 'message-indexer',
        reason: 'handler_failed',
        error: `boom ${word} <script>alert(3)</script>`,
        attempts: 9,
        dead_lettered_at: '2026-11-20T10:00:00.000Z',
        body: { v: 1, envelope: { id: `env-${word}`, intent: 'SocialMessageCreated' } },
        ...scope,
      },
    ]);
    const body = await (await app.request('/status', { headers: bearer }, adminEnv)).text();
    const card = body.slice(
      body.indexOf('id="tenant-discord-duck"'),
      body.indexOf('id="tenant-discord-goose"'),
    );
    expect(card).toContain(`boom ${word} &lt;script&gt;alert(3)&lt;/script&gt;`);
    expect(card).toContain('<code>SocialMessageCreated</code>');
    const replay =
      /data-letter-action="replay" data-url="(\/admin\/dead-letters\/discord\/duck\/dl_[0-9a-f]+\/replay)"/.exec(
        card,
      );
    expect(replay).not.toBeNull();
    expect(card).toContain(`data-url="${replay![1]!.replace(/\/replay$/, '')}"`);
    // The buttons' URLs are the admin API's own, which takes the page's cookie.
    const letter = await app.request(replay![1]!.replace(/\/replay$/, ''), { headers: bearer }, adminEnv);
    expect(letter.status).toBe(200);
  });
});
