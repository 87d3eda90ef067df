/** Chooses each tenant's provider adapter (from providers.yml `adapter`) for the access agents. */
import type { EffectPorts, ProviderPort } from '@promethean/shared/effects/effect-ports';
import type { TenantView } from '@promethean/shared/platform/provider-registry';

function echoPort(env: AccessEnv, tenant: TenantView): ProviderPort {
  const stub = env.ECHO_CONVERSATION.get(env.ECHO_CONVERSATION.idFromName(tenant.tenant));
  const botUserId = String(tenant.config.settings.bot_user_id ?? '100');
  return {
    postMessage: async (command) => ({ foreign_ids: await stub.post(tenant.tenant, botUserId, command) }),
  };
}

/** The ports an access agent gets for one tenant. */
export function accessPorts(env: AccessEnv, tenant: TenantView): EffectPorts {
  if (tenant.adapter === 'echo') return { provider: echoPort(env, tenant) };
  return {};
}
