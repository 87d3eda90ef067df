/**
 * Admin routes (status page, metrics, dead letters, agent controls, command registration) require the
 * deployment's `ADMIN_TOKEN` as `Authorization: Bearer <token>`, or a live status-page session (the
 * signed `__Host-` cookie the sign-in sets, never the token itself). Without a configured token the
 * routes are closed, never open. A write authenticated by the cookie must come from this origin
 * (Origin or Sec-Fetch-Site), so no other site can make a signed-in browser act.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import { SESSION_COOKIE, type SessionStore, sessionStoreOf, verifiedSessionId } from './admin-session.ts';

/** Where the admin token is read from; a Worker's bindings by default. */
export type AdminTokenSource = (env: unknown) => string | undefined;

export const adminTokenFromBindings: AdminTokenSource = (env) => {
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

/** The bearer token of an Authorization header. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization?.match(/^Bearer\s+(\S+)$/i)?.[1];
}

export type AdminAccess =
  | { ok: true; via: 'bearer' }
  | { ok: true; via: 'session'; sessionId: string }
  | { ok: false; reason: 'disabled' | 'refused' };

export interface AdminAuthOptions {
  tokenSource?: AdminTokenSource;
  /** The session store; by default the `ADMIN_SESSIONS` Durable Object of the request's env. */
  sessions?: (env: unknown) => SessionStore | undefined;
  now?: () => number;
}

/** Who is asking: the bearer token, a live session, or nobody; answered, never thrown. */
export async function adminAccess(c: Context, o: AdminAuthOptions = {}): Promise<AdminAccess> {
  const expected = (o.tokenSource ?? adminTokenFromBindings)(c.env);
  if (expected === undefined) return { ok: false, reason: 'disabled' };
  const bearer = bearerToken(c.req.header('authorization'));
  if (bearer !== undefined) {
    return (await tokensMatch(bearer, expected))
      ? { ok: true, via: 'bearer' }
      : { ok: false, reason: 'refused' };
  }
  const now = (o.now ?? Date.now)();
  const sessionId = await verifiedSessionId(getCookie(c, SESSION_COOKIE), expected, now);
  if (sessionId === undefined) return { ok: false, reason: 'refused' };
  const store = (o.sessions ?? sessionStoreOf)(c.env);
  if (!store || !(await store.isLive(sessionId, now))) return { ok: false, reason: 'refused' };
  return { ok: true, via: 'session', sessionId };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether an unsafe request comes from this Worker's own pages (what a cookie alone cannot prove).
 * Browsers set Sec-Fetch-Site and pages cannot forge it; the status page's no-referrer policy makes
 * form posts say `Origin: null`, so Origin is the fallback for clients without fetch metadata.
 */
export function fromSameOrigin(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site !== undefined) return site === 'same-origin';
  const origin = c.req.header('origin');
  return origin !== undefined && origin === new URL(c.req.url).origin;
}

/** Throws 403 for a cookie-authenticated write from another origin. */
export function requireSameOriginWrite(c: Context, access: AdminAccess): void {
  if (access.ok && access.via === 'session' && !SAFE_METHODS.has(c.req.method) && !fromSameOrigin(c)) {
    throw new HTTPException(403, {
      message: 'cross-site request refused: writes signed in by cookie must come from this origin',
    });
  }
}

/** 401 without a matching token or live session; 503 when the deployment has no `ADMIN_TOKEN` at all. */
export const adminAuth = (o: AdminAuthOptions = {}): MiddlewareHandler =>
  async function adminAuth(c, next) {
    const access = await adminAccess(c, o);
    if (!access.ok && access.reason === 'disabled') {
      throw new HTTPException(503, {
        message: 'admin routes are disabled: set the ADMIN_TOKEN secret on promethean-functions',
      });
    }
    if (!access.ok) {
      c.header('WWW-Authenticate', 'Bearer realm="promethean-admin"');
      throw new HTTPException(401, { message: 'admin token required (Authorization: Bearer <ADMIN_TOKEN>)' });
    }
    requireSameOriginWrite(c, access);
    await next();
  };
