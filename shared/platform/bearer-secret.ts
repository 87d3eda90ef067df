/**
 * A bearer-token check against a shared secret (the voice host's), in constant time: both sides are
 * hashed to fixed-length digests first, so neither the length nor the content shows in the timing.
 */

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/** True when `authorization` is exactly `Bearer <secret>`. */
export async function bearerMatches(
  authorization: string | undefined | null,
  secret: string,
): Promise<boolean> {
  const match = /^Bearer (.+)$/.exec(authorization ?? '');
  const [given, wanted] = await Promise.all([digest(match?.[1] ?? ''), digest(secret)]);
  let difference = match ? 0 : 1;
  for (let i = 0; i < wanted.length; i++) difference |= (given[i] ?? 0) ^ (wanted[i] ?? 0);
  return difference === 0;
}

/** A secret from an env binding, or undefined when absent or too short to be one (>= 16 characters). */
export function secretFromEnv(env: unknown, name: string): string | undefined {
  const value = (env as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length >= 16 ? value : undefined;
}
