import { jsonOnError } from '@promethean/shared/platform/json-http-errors';
import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { adminAuth, bearerToken, tokensMatch } from './admin-auth.ts';
import { newSessionCookie, SESSION_COOKIE, type SessionStore, verifiedSessionId } from './admin-session.ts';

const TOKEN = 'admin-token-for-tests-0123456789abcdef';
const NOW = Date.UTC(2026, 11, 2, 12);

class MemorySessions implements SessionStore {
  readonly live = new Map<string, number>();
  async open(s: { id: string; expires_at: number }) {
    this.live.set(s.id, s.expires_at);
  }
  async isLive(id: string, now: number) {
    return (this.live.get(id) ?? 0) > now;
  }
  async revoke(id: string) {
    this.live.delete(id);
  }
  async signInWait() {
    return 0;
  }
  async signInFailed() {}
}

let sessions: MemorySessions;
beforeEach(() => {
  sessions = new MemorySessions();
});

function appWith(token: string | undefined) {
  const app = new Hono();
  app.use('/admin/*', adminAuth({ tokenSource: () => token, sessions: () => sessions, now: () => NOW }));
  app.get('/admin/ping', (c) => c.json({ ok: true }));
  app.post('/admin/replay', (c) => c.json({ replayed: true }));
  app.onError(jsonOnError);
  return app;
}

async function signedIn(): Promise<string> {
  const cookie = await newSessionCookie(TOKEN, NOW);
  await sessions.open({ id: cookie.id, expires_at: cookie.expiresAt });
  return `${SESSION_COOKIE}=${cookie.value}`;
}

describe('adminAuth', () => {
  it('lets a request with the bearer token through', async () => {
    const res = await appWith(TOKEN).request('/admin/ping', {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
  });

  it('accepts a live session cookie, and no longer the raw token as a cookie', async () => {
    const ok = await appWith(TOKEN).request('/admin/ping', { headers: { cookie: await signedIn() } });
    expect(ok.status).toBe(200);
    const raw = await appWith(TOKEN).request('/admin/ping', {
      headers: { cookie: `${SESSION_COOKIE}=${TOKEN}; promethean_admin=${TOKEN}` },
    });
    expect(raw.status).toBe(401);
  });

  it('refuses a revoked, expired, forged or other-token session', async () => {
    const cookie = await signedIn();
    const id = cookie.split('=')[1]!.split('.')[0]!;
    await sessions.revoke(id);
    expect((await appWith(TOKEN).request('/admin/ping', { headers: { cookie } })).status).toBe(401);

    const old = await newSessionCookie(TOKEN, NOW - 13 * 3600_000);
    await sessions.open({ id: old.id, expires_at: NOW + 1 });
    expect(await verifiedSessionId(old.value, TOKEN, NOW)).toBeUndefined();

    const fresh = await newSessionCookie(TOKEN, NOW);
    const [sid, exp] = fresh.value.split('.');
    const forged = `${sid}.${Number(exp) + 3600_000}.${fresh.value.split('.')[2]}`;
    expect(await verifiedSessionId(forged, TOKEN, NOW)).toBeUndefined();
    expect(await verifiedSessionId(fresh.value, `${TOKEN}-rotated`, NOW)).toBeUndefined();
    expect(await verifiedSessionId(fresh.value, TOKEN, NOW)).toBe(fresh.id);
    // The cookie never contains the admin token.
    expect(fresh.value).not.toContain(TOKEN);
  });

  it('refuses a cookie-authenticated write from another origin, and allows it from this one', async () => {
    const cookie = await signedIn();
    const post = (headers: Record<string, string>) =>
      appWith(TOKEN).request('http://functions.test/admin/replay', {
        method: 'POST',
        headers: { cookie, ...headers },
      });
    expect((await post({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({})).status).toBe(403);
    expect((await post({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await post({ origin: 'http://functions.test' })).status).toBe(200);
    expect((await post({ 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    // A browser form post under the page's no-referrer policy: Origin null, fetch metadata decides.
    expect((await post({ origin: 'null', 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect((await post({ origin: 'null', 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // A bearer token is not ambient: scripts and the CLI need no Origin.
    const bearer = await appWith(TOKEN).request('http://functions.test/admin/replay', {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(bearer.status).toBe(200);
  });

  it('refuses a missing or wrong token with 401 and a challenge', async () => {
    const missing = await appWith(TOKEN).request('/admin/ping');
    const wrong = await appWith(TOKEN).request('/admin/ping', { headers: { authorization: 'Bearer nope' } });
    expect(missing.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('Bearer');
  });

  it('stays closed when the deployment has no admin token', async () => {
    const res = await appWith(undefined).request('/admin/ping', { headers: { authorization: 'Bearer x' } });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { message: string }).message).toContain('ADMIN_TOKEN');
  });

  it('compares tokens exactly', async () => {
    expect(await tokensMatch('abc', 'abc')).toBe(true);
    expect(await tokensMatch('abc', 'abd')).toBe(false);
    expect(await tokensMatch('', 'abc')).toBe(false);
    expect(bearerToken('bearer   t1')).toBe('t1');
    expect(bearerToken('Basic x')).toBeUndefined();
  });
});
