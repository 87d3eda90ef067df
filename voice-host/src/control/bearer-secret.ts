/** Bearer-secret middleware for the control API: constant-time comparison, 401 without a valid secret. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Whether `presented` equals `secret`, in time independent of where they differ (or of their lengths). */
export function secretMatches(presented: string, secret: string): boolean {
  return timingSafeEqual(digest(presented), digest(secret));
}

/** Requires `Authorization: Bearer <secret>`; answers 401 with a JSON error otherwise. */
export const bearerSecret = (secret: string): MiddlewareHandler => {
  if (secret.length < 16) throw new Error('bearerSecret: the secret must be at least 16 characters');
  return async function bearerSecretCheck(c, next) {
    const header = c.req.header('authorization') ?? '';
    const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
    if (!secretMatches(token, secret)) {
      return c.json({ error: { kind: 'unauthorized', message: 'missing or wrong bearer secret' } }, 401, {
        'www-authenticate': 'Bearer',
      });
    }
    await next();
  };
};
