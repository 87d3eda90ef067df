/**
 * Which rate-limit queue a Discord request belongs to. Discord splits buckets by "major parameter"
 * (channel, guild, webhook id + token); the same bucket hash on two channels is two queues.
 *
 * A webhook or interaction token is a credential, and queue ids leave the Durable Object (status,
 * `/metrics` bucket labels, the status page), so a secret major parameter is replaced by a short keyed
 * digest: equal tokens still share a queue, and nothing outside can recover or confirm a token from it.
 */
import { createHmac, randomBytes } from 'node:crypto';

export interface RouteCall {
  method: string;
  /** The route template, e.g. `/channels/{channel_id}/messages`. */
  route: string;
  params: Readonly<Record<string, string>>;
}

export interface RouteKey {
  /** `METHOD template`: what the bucket-hash table is keyed by. */
  routeId: string;
  /** The major parameter value (a secret one digested), or `global` for routes without one. */
  major: string;
}

/** Turns a secret route parameter into the short, keyed digest that stands for it in queue ids. */
export type SecretDigest = (secret: string) => string;

/** A digest keyed with fresh random bytes: stable for the executor's life, meaningless outside it. */
export function randomKeyedDigest(key: Uint8Array = randomBytes(32)): SecretDigest {
  return (secret) => `h_${createHmac('sha256', key).update(secret).digest('base64url').slice(0, 12)}`;
}

const PARAM = /\{([a-z_]+)\}/g;

/** Fills a template with its parameters (URL-encoded); throws naming a missing parameter. */
export function expandRoute(call: RouteCall): string {
  return call.route.replace(PARAM, (_, name: string) => {
    const value = call.params[name];
    if (value === undefined || value === '') throw new Error(`route ${call.route} needs parameter ${name}`);
    return encodeURIComponent(value);
  });
}

/** The bucket-table key and major parameter for a call; tokens appear only as their digest. */
export function routeKey(call: RouteCall, digest: SecretDigest): RouteKey {
  const p = call.params;
  const token = p.webhook_token ?? p.interaction_token;
  const major =
    p.channel_id ??
    p.guild_id ??
    (p.webhook_id !== undefined
      ? `${p.webhook_id}:${token === undefined ? '' : digest(token)}`
      : undefined) ??
    (p.application_id !== undefined && p.interaction_token !== undefined
      ? `${p.application_id}:${digest(p.interaction_token)}`
      : 'global');
  return { routeId: `${call.method.toUpperCase()} ${call.route}`, major };
}
