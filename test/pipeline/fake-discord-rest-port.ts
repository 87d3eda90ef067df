/**
 * A ProviderPort that calls the fake Discord's REST API directly from Node, for pipeline tests that
 * run the real access agents outside workerd. Production goes through the tenant's RestBuckets Durable
 * Object instead (rate-limit buckets, budget, idempotency); this port only maps a call to one request.
 */
import { postMessageCalls } from '@promethean/durable-objects/rest/post-message-calls';
import type {
  ProviderPort,
  ProviderRestCall,
  ProviderRestResult,
} from '@promethean/shared/effects/effect-ports';

function pathFor(call: ProviderRestCall): string {
  return call.route.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const value = call.params[name];
    if (value === undefined) throw new Error(`route ${call.route} needs parameter ${name}`);
    return encodeURIComponent(value);
  });
}

export function fakeDiscordRestPort(restUrl: string, botToken: string): ProviderPort {
  const port: ProviderPort = {
    async restCall(call: ProviderRestCall): Promise<ProviderRestResult> {
      const url = new URL(`${restUrl}${pathFor(call)}`);
      for (const [k, v] of Object.entries(call.query ?? {})) url.searchParams.set(k, v);
      const response = await fetch(url, {
        method: call.method,
        headers: {
          authorization: `Bot ${botToken}`,
          ...(call.body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(call.body !== undefined && { body: JSON.stringify(call.body) }),
      });
      const data: unknown = await response.json().catch(() => null);
      const retryAfter = response.headers.get('retry-after');
      return {
        ok: response.ok,
        status: response.status,
        bucket: response.headers.get('x-ratelimit-bucket'),
        retry_after_ms: retryAfter === null ? null : Number(retryAfter) * 1000,
        data: response.ok ? data : null,
        ...(!response.ok && {
          error: {
            code: String((data as { code?: unknown } | null)?.code ?? response.status),
            message: JSON.stringify(data),
          },
        }),
      };
    },
    async gatewayControl() {
      return { status: 'not_applicable' };
    },
    /** Channel messages only (interaction answers need the token the RestBuckets object holds). */
    async postMessage(command) {
      if (command.interaction_urn !== undefined)
        throw new Error(
          'fakeDiscordRestPort cannot answer interactions; pipeline tests check the bus instead',
        );
      const foreign_ids: string[] = [];
      for (const call of postMessageCalls(command)) {
        const result = await port.restCall({
          ...call,
          method: call.method as ProviderRestCall['method'],
          params: { ...call.params },
          query: {},
        });
        if (!result.ok) throw new Error(`fake Discord refused ${call.route}: ${result.status}`);
        foreign_ids.push(String((result.data as { id?: unknown }).id));
      }
      return { foreign_ids };
    },
  };
  return port;
}
