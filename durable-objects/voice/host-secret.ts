/**
 * The voice host's shared secret (`VOICE_HOST_SECRET`, held only by the access Worker): read per request
 * from the env and compared in constant time with the request's bearer token.
 */

/** The configured secret, or undefined when this deployment has none (voice host routes then answer 503). */
export function voiceHostSecret(env: AccessEnv): string | undefined {
  const value = (env as unknown as Record<string, unknown>).VOICE_HOST_SECRET;
  return typeof value === 'string' && value.length >= 16 ? value : undefined;
}

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
}

/** True when `authorization` is `Bearer <secret>`; compares fixed-length digests so timing says nothing. */
export async function bearerMatches(authorization: string | undefined, secret: string): Promise<boolean> {
  const match = /^Bearer (.+)$/.exec(authorization ?? '');
  const [given, wanted] = await Promise.all([digest(match?.[1] ?? ''), digest(secret)]);
  let difference = match ? 0 : 1;
  for (let i = 0; i < wanted.length; i++) difference |= (given[i] ?? 0) ^ (wanted[i] ?? 0);
  return difference === 0;
}
