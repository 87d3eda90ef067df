/**
 * Registers a tenant's slash commands: an idempotent bulk overwrite through the tenant's RestBuckets
 * (its rate limits and token): read what Discord has, compare, and `PUT` the whole set only when
 * something differs. The application id comes from providers.yml `application_id`, else from Discord
 * (`GET /applications/@me`).
 */
import {
  type CommandSyncFailure,
  type CommandSyncReport,
  CommandSyncRequest,
} from '@promethean/shared/platform/interaction-intake';
import type { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { UnknownProviderError, UnknownTenantError } from '@promethean/shared/platform/registry-errors';
import { diffCommands } from '@promethean/shared/providers/discord/application-command-diff';
import { APPLICATION_COMMANDS } from '@promethean/shared/providers/discord/application-commands';
import type { RestResult } from '../rest/rest-executor.ts';

/** What the sync needs from the tenant's RestBuckets. */
export interface RestCaller {
  call(tenant: string, input: unknown): Promise<RestResult>;
}

const failure = (status: number, error: string, message: string): CommandSyncFailure => ({
  status,
  error,
  message,
});

function discordFailure(what: string, r: RestResult): CommandSyncFailure {
  const detail = `${r.status} ${r.error?.code ?? ''} ${r.error?.message ?? ''}`.replace(/\s+/g, ' ').trim();
  // The upstream refused: 502, with Discord's own status and message for the operator.
  return failure(502, 'discord_refused', `${what}: Discord answered ${detail}`);
}

async function applicationIdOf(
  registry: ProviderRegistry,
  tenant: string,
  rest: RestCaller,
): Promise<string | CommandSyncFailure> {
  const configured = registry.tenant('discord', tenant).config.application_id;
  if (configured) return configured;
  const me = await rest.call(tenant, { method: 'GET', route: '/applications/@me', params: {} });
  const id = (me.data as { id?: unknown } | null)?.id;
  if (!me.ok || typeof id !== 'string') return discordFailure('GET /applications/@me', me);
  return id;
}

/** Compares and, unless nothing changed or `dry_run`, overwrites the application's global commands. */
export async function syncCommands(
  input: unknown,
  registry: ProviderRegistry,
  restFor: (tenant: string) => RestCaller,
): Promise<CommandSyncReport | CommandSyncFailure> {
  const request = CommandSyncRequest.safeParse(input);
  if (!request.success)
    return failure(400, 'invalid_request', request.error.issues.map((i) => i.message).join('; '));
  const { provider, tenant, dry_run } = request.data;
  let adapter: string;
  try {
    adapter = registry.tenant(provider, tenant).adapter;
  } catch (e) {
    if (e instanceof UnknownProviderError || e instanceof UnknownTenantError)
      return failure(404, 'unknown_tenant', `no tenant ${provider}/${tenant} in providers.yml`);
    throw e;
  }
  if (adapter !== 'discord')
    return failure(400, 'not_supported', `${provider} (adapter ${adapter}) has no commands to register`);
  const rest = restFor(tenant);
  const applicationId = await applicationIdOf(registry, tenant, rest);
  if (typeof applicationId !== 'string') return applicationId;
  const route = '/applications/{application_id}/commands';
  const params = { application_id: applicationId };
  const existing = await rest.call(tenant, { method: 'GET', route, params });
  if (!existing.ok || !Array.isArray(existing.data)) return discordFailure(`GET ${route}`, existing);
  const changes = diffCommands(existing.data, APPLICATION_COMMANDS);
  const report = { provider, tenant, application_id: applicationId, scope: 'global' as const, changes };
  if (dry_run || changes.every((c) => c.change === 'unchanged')) return { ...report, applied: false };
  const put = await rest.call(tenant, {
    method: 'PUT',
    route,
    params,
    body: APPLICATION_COMMANDS,
    timeout_ms: 30_000,
  });
  if (!put.ok) return discordFailure(`PUT ${route}`, put);
  return { ...report, applied: true };
}
