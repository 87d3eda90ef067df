/**
 * Which rate-limit queue a Discord request belongs to. Discord splits buckets by "major parameter"
 * (channel, guild, webhook id + token); the same bucket hash on two channels is two queues.
 */

export interface RouteCall {
  method: string;
  /** The route template, e.g. `/channels/{channel_id}/messages`. */
  route: string;
  params: Readonly<Record<string, string>>;
}

export interface RouteKey {
  /** `METHOD template`: what the bucket-hash table is keyed by. */
  routeId: string;
  /** The major parameter value, or `global` for routes without one. */
  major: string;
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

/** The bucket-table key and major parameter for a call. */
export function routeKey(call: RouteCall): RouteKey {
  const p = call.params;
  const major =
    p.channel_id ??
    p.guild_id ??
    (p.webhook_id !== undefined
      ? `${p.webhook_id}:${p.webhook_token ?? p.interaction_token ?? ''}`
      : undefined) ??
    (p.application_id !== undefined && p.interaction_token !== undefined
      ? `${p.application_id}:${p.interaction_token}`
      : 'global');
  return { routeId: `${call.method.toUpperCase()} ${call.route}`, major };
}
