import { jsonOnError } from '@promethean/shared/platform/json-http-errors';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { ADMIN_COOKIE, adminAuth, presentedToken, tokensMatch } from './admin-auth.ts';

function appWith(token: string | undefined) {
  const app = new Hono();
  app.use(
    '/admin/*',
    adminAuth(() => token),
  );
  app.get('/admin/ping', (c) => c.json({ ok: true }));
  app.onError(jsonOnError);
  return app;
}

describe('adminAuth', () => {
  it('lets a request with the bearer token through', async () => {
    const res = await appWith('s3cret').request('/admin/ping', {
      headers: { authorization: 'Bearer s3cret' },
    });
    expect(res.status).toBe(200);
  });

  it('accepts the admin cookie the status page sets', async () => {
    const res = await appWith('s3cret').request('/admin/ping', {
      headers: { cookie: `${ADMIN_COOKIE}=s3cret` },
    });
    expect(res.status).toBe(200);
  });

  it('refuses a missing or wrong token with 401 and a challenge', async () => {
    const missing = await appWith('s3cret').request('/admin/ping');
    const wrong = await appWith('s3cret').request('/admin/ping', {
      headers: { authorization: 'Bearer nope' },
    });
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
    expect(presentedToken('bearer   t1', undefined)).toBe('t1');
    expect(presentedToken('Basic x', 'c1')).toBe('c1');
    expect(presentedToken(undefined, '')).toBeUndefined();
  });
});
