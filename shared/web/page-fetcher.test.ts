import { describe, expect, it } from 'vitest';
import type { HttpFetch } from '../effects/effect-ports.ts';
import { ssrfPolicy } from '../net/ssrf-policy.ts';
import { decodeBody } from './charset.ts';
import { type FetcherOptions, PageFetcher } from './page-fetcher.ts';

/** A scripted origin: each call takes the next answer; requests are recorded. */
function origin(answers: Array<() => Response>): { fetch: HttpFetch; requests: Request[] } {
  const requests: Request[] = [];
  let i = 0;
  return {
    requests,
    fetch: async (input, init) => {
      requests.push(new Request(input, init));
      const next = answers[Math.min(i++, answers.length - 1)];
      if (!next) throw new Error('no answer scripted');
      return next();
    },
  };
}

function fetcher(fetch: HttpFetch, extra: Partial<FetcherOptions> = {}): { f: PageFetcher; waits: number[] } {
  const waits: number[] = [];
  const f = new PageFetcher({
    fetch,
    policy: ssrfPolicy(),
    user_agent: 'PrometheanBot/0.1',
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...extra,
  });
  return { f, waits };
}

const html =
  (body: string, headers: Record<string, string> = {}) =>
  () =>
    new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8', ...headers } });

describe('PageFetcher', () => {
  it('fetches a page with GET, our user agent and no redirect following', async () => {
    const o = origin([html('<p>hi</p>', { etag: '"v1"' })]);
    const r = await fetcher(o.fetch).f.fetch({ url: 'https://a.test/p' });
    expect(r).toMatchObject({
      kind: 'ok',
      media_type: 'text/html',
      charset: 'utf-8',
      text: '<p>hi</p>',
      bytes: 9,
    });
    expect(r.kind === 'ok' && r.headers.etag).toBe('"v1"');
    expect(o.requests[0]?.method).toBe('GET');
    expect(o.requests[0]?.headers.get('user-agent')).toBe('PrometheanBot/0.1');
    expect(o.requests[0]?.redirect).toBe('manual');
  });

  it('revalidates with the stored validators and reports 304 as not modified', async () => {
    const o = origin([() => new Response(null, { status: 304 })]);
    const r = await fetcher(o.fetch).f.fetch({
      url: 'https://a.test/p',
      etag: '"v1"',
      last_modified: 'Tue, 01 Dec 2026 00:00:00 GMT',
    });
    expect(r.kind).toBe('not_modified');
    expect(o.requests[0]?.headers.get('if-none-match')).toBe('"v1"');
    expect(o.requests[0]?.headers.get('if-modified-since')).toBe('Tue, 01 Dec 2026 00:00:00 GMT');
  });

  it('hands a redirect back instead of following it', async () => {
    const o = origin([() => new Response(null, { status: 301, headers: { location: '/b' } })]);
    expect(await fetcher(o.fetch).f.fetch({ url: 'https://a.test/a' })).toMatchObject({
      kind: 'redirect',
      location: 'https://a.test/b',
    });
  });

  it('retries a transient failure with growing backoff, honouring Retry-After', async () => {
    const o = origin([
      () => new Response('busy', { status: 503, headers: { 'retry-after': '3' } }),
      () => {
        throw new TypeError('connection reset');
      },
      html('<p>ok</p>'),
    ]);
    const { f, waits } = fetcher(o.fetch, { backoff_base_ms: 100 });
    const r = await f.fetch({ url: 'https://a.test/p' });
    expect(r).toMatchObject({ kind: 'ok', attempts: 3 });
    expect(waits).toEqual([3000, 200]);
  });

  it("waits at least the host's crawl-delay before a retry", async () => {
    const o = origin([
      () => new Response('busy', { status: 503 }),
      () => new Response('busy', { status: 503 }),
      html('<p>ok</p>'),
    ]);
    const { f, waits } = fetcher(o.fetch, { backoff_base_ms: 100 });
    const r = await f.fetch({ url: 'https://a.test/p', min_retry_gap_ms: 10_000 });
    expect(r).toMatchObject({ kind: 'ok', attempts: 3 });
    expect(waits).toEqual([10_000, 10_000]);
  });

  it('gives up after its retries', async () => {
    const o = origin([() => new Response('no', { status: 500 })]);
    const r = await fetcher(o.fetch, { retries: 1 }).f.fetch({ url: 'https://a.test/p' });
    expect(r).toMatchObject({ kind: 'skipped', reason: 'unavailable', status: 500, attempts: 2 });
    expect(o.requests).toHaveLength(2);
  });

  it('does not retry a final status', async () => {
    const o = origin([() => new Response('gone', { status: 404 })]);
    expect(await fetcher(o.fetch).f.fetch({ url: 'https://a.test/p' })).toMatchObject({
      reason: 'status',
      status: 404,
    });
    expect(o.requests).toHaveLength(1);
  });

  it('times out a silent origin', async () => {
    const hang: HttpFetch = (_input, init) =>
      new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))));
    const r = await fetcher(hang, { timeout_ms: 20, retries: 0 }).f.fetch({ url: 'https://a.test/p' });
    expect(r).toMatchObject({ kind: 'skipped', reason: 'unavailable', detail: 'no answer within 20 ms' });
  });

  it.each([
    ['application/pdf', 'content_type'],
    ['image/png', 'content_type'],
  ])('skips %s', async (type, reason) => {
    const o = origin([() => new Response('x', { headers: { 'content-type': type } })]);
    expect(await fetcher(o.fetch).f.fetch({ url: 'https://a.test/f' })).toMatchObject({
      kind: 'skipped',
      reason,
    });
  });

  it('skips binary bytes behind a text/html header', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0]);
    const o = origin([() => new Response(png, { headers: { 'content-type': 'text/html' } })]);
    expect(await fetcher(o.fetch).f.fetch({ url: 'https://a.test/x.html' })).toMatchObject({
      reason: 'binary',
    });
  });

  it('refuses a body over the cap, declared or streamed', async () => {
    const declared = origin([html('x', { 'content-length': String(6 * 1024 * 1024) })]);
    expect(await fetcher(declared.fetch).f.fetch({ url: 'https://a.test/big' })).toMatchObject({
      reason: 'too_large',
    });
    const streamed = origin([
      () =>
        new Response(
          new ReadableStream({
            pull(c) {
              c.enqueue(new Uint8Array(64 * 1024).fill(0x61));
            },
          }),
          { headers: { 'content-type': 'text/html' } },
        ),
    ]);
    expect(
      await fetcher(streamed.fetch).f.fetch({ url: 'https://a.test/big', max_bytes: 1024 * 1024 }),
    ).toMatchObject({
      reason: 'too_large',
    });
  });

  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'refused'],
    ['http://metadata.google.internal/', 'refused'],
    ['http://10.0.0.1/', 'refused'],
    ['http://abcdefghijklmnop.onion/', 'refused'],
    ['https://a.test/p?PHPSESSID=abc', 'session_token'],
  ])('never requests %s', async (url, reason) => {
    const o = origin([html('no')]);
    expect(await fetcher(o.fetch).f.fetch({ url })).toMatchObject({ kind: 'skipped', reason });
    expect(o.requests).toHaveLength(0);
  });
});

describe('decodeBody', () => {
  it('uses the header charset, then a BOM, then a meta declaration, then UTF-8', () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
    expect(decodeBody(latin1, 'text/html; charset=ISO-8859-1', 'text/html').text).toBe('café');
    const meta = new Uint8Array([...new TextEncoder().encode('<meta charset="windows-1252">'), 0xe9]);
    expect(decodeBody(meta, 'text/html', 'text/html').text.endsWith('é')).toBe(true);
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]);
    expect(decodeBody(bom, 'text/html; charset=iso-8859-1', 'text/html')).toEqual({
      charset: 'utf-8',
      text: 'hi',
    });
    expect(decodeBody(new TextEncoder().encode('ツ'), 'text/plain; charset=no-such', 'text/plain').text).toBe(
      'ツ',
    );
  });
});
