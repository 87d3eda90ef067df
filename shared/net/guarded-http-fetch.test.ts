import { describe, expect, it } from 'vitest';
import { SsrfRefusedError } from './egress-errors.ts';
import { guardedHttpFetch } from './guarded-http-fetch.ts';
import { ssrfPolicy } from './ssrf-policy.ts';

/** A fetch that answers from a table and records what it was asked. */
function tableFetch(table: Record<string, () => Response>) {
  const asked: string[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    asked.push(`${init?.method ?? (input instanceof Request ? input.method : 'GET')} ${url}`);
    const answer = table[url];
    if (!answer) throw new TypeError(`no route for ${url}`);
    return answer();
  };
  return { fetch, asked };
}

describe('guardedHttpFetch (the http.fetch effect)', () => {
  it('refuses a private URL without calling the runtime fetch', async () => {
    const t = tableFetch({});
    const guarded = guardedHttpFetch({ fetch: t.fetch, policy: ssrfPolicy() });
    await expect(guarded('http://169.254.169.254/latest/meta-data/')).rejects.toBeInstanceOf(
      SsrfRefusedError,
    );
    expect(t.asked).toEqual([]);
  });

  it('follows a GET redirect only after checking the hop', async () => {
    const t = tableFetch({
      'https://api.example.com/a': () => new Response(null, { status: 302, headers: { location: '/b' } }),
      'https://api.example.com/b': () => new Response('ok'),
      'https://api.example.com/evil': () =>
        new Response(null, { status: 301, headers: { location: 'http://[::ffff:10.0.0.1]/' } }),
    });
    const guarded = guardedHttpFetch({ fetch: t.fetch, policy: ssrfPolicy() });
    expect(await (await guarded('https://api.example.com/a')).text()).toBe('ok');
    await expect(guarded('https://api.example.com/evil')).rejects.toMatchObject({
      reason: 'blocked_address',
    });
    expect(t.asked).toEqual([
      'GET https://api.example.com/a',
      'GET https://api.example.com/b',
      'GET https://api.example.com/evil',
    ]);
  });

  it('never follows a redirect for a request with a body', async () => {
    const t = tableFetch({
      'https://hooks.example.com/x': () =>
        new Response(null, { status: 307, headers: { location: 'http://10.0.0.1/' } }),
    });
    const guarded = guardedHttpFetch({ fetch: t.fetch, policy: ssrfPolicy() });
    const response = await guarded('https://hooks.example.com/x', { method: 'POST', body: '{}' });
    expect(response.status).toBe(307);
    expect(t.asked).toHaveLength(1);
  });
});
