/**
 * Admin routes (status page, metrics, dead letters, command registration) require the deployment's
 * `ADMIN_TOKEN`, as `Authorization: Bearer <token>` or the `promethean_admin` cookie the status page's
 * sign-in sets. Without a configured token the routes are closed, never open.
 */
import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';

/** The cookie the status page's sign-in form sets (HttpOnly, SameSite=Strict). */
export const ADMIN_COOKIE = 'promethean_admin';

/** Where the admin token is read from; a Worker's bindings by default. */
export type AdminTokenSource = (env: unknown) => string | undefined;

const fromBindings: AdminTokenSource = (env) => {
  const value = (env as { ADMIN_TOKEN?: unknown } | undefined)?.ADMIN_TOKEN;
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/** Compares fixed-length digests so the time taken says nothing about how much of a guess matched. */
export async function tokensMatch(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([digest(presented), digest(expected)]);
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

/** The token a request presents, from the Authorization header or the admin cookie. */
export function presentedToken(
  authorization: string | undefined,
  cookie: string | undefined,
): string | undefined {
  const bearer = authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
  return bearer ?? (cookie && cookie.length > 0 ? cookie : undefined);
}

/** 401 without a matching token; 503 when the deployment has no `ADMIN_TOKEN` at all. */
export const adminAuth = (tokenSource: AdminTokenSource = fromBindings): MiddlewareHandler =>
  async function adminAuth(c, next) {
    const expected = tokenSource(c.env);
    if (expected === undefined) {
      throw new HTTPException(503, {
        message: 'admin routes are disabled: set the ADMIN_TOKEN secret on promethean-functions',
      });
    }
    const presented = presentedToken(c.req.header('authorization'), getCookie(c, ADMIN_COOKIE));
    if (presented === undefined || !(await tokensMatch(presented, expected))) {
      c.header('WWW-Authenticate', 'Bearer realm="promethean-admin"');
      throw new HTTPException(401, { message: 'admin token required (Authorization: Bearer <ADMIN_TOKEN>)' });
    }
    await next();
  };
