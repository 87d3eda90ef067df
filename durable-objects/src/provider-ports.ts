/** Chooses each tenant's provider adapter (from providers.yml `adapter`) for the access agents. */
import { NonRetriableError, RetryAfterError } from '@promethean/shared/agent/agent-errors';
import type { EffectPorts, ProviderPort, ProviderRestResult } from '@promethean/shared/effects/effect-ports';
import type { TenantView } from '@promethean/shared/platform/provider-registry';

function echoPort(env: AccessEnv, tenant: TenantView): ProviderPort {
  const stub = env.ECHO_CONVERSATION.get(env.ECHO_CONVERSATION.idFromName(tenant.tenant));
  const botUserId = String(tenant.config.settings.bot_user_id ?? '100');
  return {
    postMessage: async (command) => {
      if (command.interaction_urn === undefined)
        return { foreign_ids: await stub.post(tenant.tenant, botUserId, command) };
      const answered = await stub.answerInteraction(botUserId, command);
      if (!answered.ok)
        throw new NonRetriableError(answered.message, { provider: 'echo', tenant: tenant.tenant });
      return { foreign_ids: [answered.foreign_id] };
    },
    // The echo network has no realtime session and no REST API: say so instead of pretending.
    gatewayControl: async () => ({ status: 'not_applicable' }),
    restCall: async (call) => ({
      ok: false,
      status: 501,
      bucket: null,
      retry_after_ms: null,
      data: null,
      error: {
        code: 'not_supported',
        message: `the echo provider has no REST route ${call.method} ${call.route}`,
      },
    }),
  };
}

/** Turns a failed chunk into the error that makes the queue retry (rate limit, 5xx) or stop (4xx). */
function throwForFailure(tenant: string, r: ProviderRestResult): never {
  const message = `Discord answered ${r.status} ${r.error?.code ?? ''}: ${r.error?.message ?? ''}`.trim();
  const context = { provider: 'discord', tenant };
  if (r.status === 429 || r.status === 0 || r.status >= 500)
    throw new RetryAfterError(message, r.retry_after_ms ?? 2_000, context);
  throw new NonRetriableError(message, context);
}

function discordPort(env: AccessEnv, tenant: TenantView): ProviderPort {
  const stub = env.REST_BUCKETS.get(env.REST_BUCKETS.idFromName(tenant.tenant));
  const gateway = (shard: number) =>
    env.GATEWAY_SESSION.get(env.GATEWAY_SESSION.idFromName(`${tenant.tenant}:${shard}`));
  return {
    gatewayControl: async ({ action, shard, presence }) => {
      const session = gateway(shard);
      if (action === 'start') return { status: (await session.start(tenant.tenant, shard)).status };
      if (action === 'stop') return { status: (await session.stop()).status };
      const sent = await session.presence(presence?.status ?? 'online', presence?.activity);
      return { status: sent ? 'presence_sent' : 'presence_not_sent' };
    },
    restCall: async (call) => (await stub.call(tenant.tenant, call)) as ProviderRestResult,
    voiceControl: async (command) => {
      const link = env.VOICE_HOST_LINK.get(
        env.VOICE_HOST_LINK.idFromName(`${tenant.provider}:${tenant.tenant}`),
      );
      return link.control({ provider: tenant.provider, tenant: tenant.tenant }, command);
    },
    postMessage: async (command) => {
      const results = (await stub.postMessage(tenant.tenant, command)) as ProviderRestResult[];
      const failed = results.find((r) => !r.ok);
      if (failed) throwForFailure(tenant.tenant, failed);
      return { foreign_ids: results.map((r) => String((r.data as { id?: unknown } | null)?.id ?? '')) };
    },
  };
}

/** The ports an access agent gets for one tenant. */
export function accessPorts(env: AccessEnv, tenant: TenantView): EffectPorts {
  if (tenant.adapter === 'echo') return { provider: echoPort(env, tenant) };
  if (tenant.adapter === 'discord') return { provider: discordPort(env, tenant) };
  return {};
}
