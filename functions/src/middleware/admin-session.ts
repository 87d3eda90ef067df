/**
 * The status page's sign-in session: the cookie holds a random session id and its expiry, signed with
 * an HMAC keyed by the admin token (never the token itself). The session store says whether the id is
 * still live, so sign-out revokes it, and rotating ADMIN_TOKEN invalidates every cookie at once.
 */
import { HmacSha256 } from '@promethean/shared/platform/hmac-sha256';

/** `__Host-`: Secure, path /, no Domain, so no other origin or subdomain can plant or read it. */
export const SESSION_COOKIE = '__Host-promethean_session';
export const SESSION_SECONDS = 12 * 60 * 60;

/** Where sessions and sign-in attempts live (the AdminSessions Durable Object in the Worker). */
export interface SessionStore {
  open(session: { id: string; expires_at: number }): Promise<void>;
  isLive(id: string, now: number): Promise<boolean>;
  revoke(id: string): Promise<void>;
  signInWait(client: string, now: number): Promise<number>;
  signInFailed(client: string, now: number): Promise<void>;
}

/** The AdminSessions singleton behind the `ADMIN_SESSIONS` binding, or undefined without one. */
export function sessionStoreOf(env: unknown): SessionStore | undefined {
  const ns = (env as { ADMIN_SESSIONS?: DurableObjectNamespace } | undefined)?.ADMIN_SESSIONS;
  if (!ns) return undefined;
  return ns.get(ns.idFromName('global')) as unknown as SessionStore;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function sessionSigner(adminToken: string): HmacSha256 {
  return new HmacSha256(`promethean-admin-session:${adminToken}`);
}

/** A new session's cookie value and its id; the caller records the id in the store. */
export async function newSessionCookie(
  adminToken: string,
  now: number,
): Promise<{ id: string; expiresAt: number; value: string }> {
  const id = base64url(crypto.getRandomValues(new Uint8Array(24)));
  const expiresAt = now + SESSION_SECONDS * 1000;
  const payload = `${id}.${expiresAt}`;
  const mac = await sessionSigner(adminToken).sign(payload);
  return { id, expiresAt, value: `${payload}.${base64url(mac)}` };
}

/** The session id a cookie value carries, if its signature holds and it has not expired. */
export async function verifiedSessionId(
  value: string | undefined,
  adminToken: string,
  now: number,
): Promise<string | undefined> {
  const parts = value?.split('.');
  if (parts?.length !== 3) return undefined;
  const [id, expires, mac] = parts as [string, string, string];
  const expiresAt = Number(expires);
  const signature = fromBase64url(mac);
  if (!/^[A-Za-z0-9_-]{32}$/.test(id) || !Number.isSafeInteger(expiresAt) || expiresAt <= now || !signature) {
    return undefined;
  }
  const ok = await sessionSigner(adminToken).verify(signature, `${id}.${expires}`);
  return ok ? id : undefined;
}
