/**
 * agent-config: applies `config.patch` to a tenant's runtime agent settings (shared/agent/tenant-config.ts)
 * and publishes `config.applied` as the audit record. Built from the list of agents it may configure, so the
 * Worker's agent list can include it without an import cycle.
 */

import type { PayloadOf } from '@promethean/schemas/message-definition';
import { ConfigApplied, ConfigPatch } from '@promethean/schemas/ops/config-messages';
import { type Agent, defineAgent } from '@promethean/shared/agent/agent-definition';
import { InvalidMessageError, NonRetriableError } from '@promethean/shared/agent/agent-errors';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import { settingsSchema } from '@promethean/shared/agent/settings-schema';
import {
  type ConfigHistoryEntry,
  commitConfigChange,
  readTenantConfig,
  type TenantConfig,
} from '@promethean/shared/agent/tenant-config';
import manifest from './agent.yml';

type Patch = PayloadOf<typeof ConfigPatch>;

function errorContext(ctx: RuntimeContext) {
  return { agent: ctx.agent.id, provider: ctx.provider, tenant: ctx.tenant, topic: ctx.message.dst };
}

/** The agent's runtime settings after the patch (before validation), and what a rollback restores. */
function nextSettings(
  ctx: RuntimeContext,
  base: TenantConfig,
  p: Patch,
): { settings: Record<string, unknown>; rollback_of?: string } {
  if (p.rollback_to !== undefined) {
    const entry = base.history.find((h) => h.config_rev === p.rollback_to);
    if (!entry || entry.agent !== p.agent) {
      throw new NonRetriableError(
        `config.patch: no kept revision ${p.rollback_to} of ${p.agent} to roll back to`,
        errorContext(ctx),
      );
    }
    return { settings: { ...entry.settings }, rollback_of: p.rollback_to };
  }
  const settings: Record<string, unknown> = { ...(base.agents[p.agent] ?? {}) };
  for (const key of p.unset) delete settings[key];
  Object.assign(settings, p.set);
  return { settings };
}

function changedKeys(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

async function publishApplied(ctx: RuntimeContext, entry: ConfigHistoryEntry, previous: string | null) {
  await ctx.effects.publish(
    ConfigApplied,
    {
      agent: entry.agent,
      config_rev: entry.config_rev,
      previous_rev: previous,
      settings: entry.settings,
      changed: entry.changed,
      ...(entry.rollback_of !== undefined && { rollback_of: entry.rollback_of }),
      patch_id: entry.patch_id,
      actor: entry.actor,
      ...(entry.reason !== undefined && { reason: entry.reason }),
    },
    { id: `config-applied:${ctx.tenant}:${entry.config_rev}`, config_rev: entry.config_rev },
  );
}

/** The agent-config agent; `configurable()` lists the agents whose settings it may change. */
export function agentConfigAgent(configurable: () => readonly Agent[]): Agent {
  return defineAgent(manifest, 'functions/agents/agent-config/agent.yml')
    .on(ConfigPatch, async (msg, ctx) => {
      const p = msg.payload;
      const scope = { provider: msg.provider, tenant: msg.tenant };
      const target = configurable().find((a) => a.manifest.id === p.agent);
      if (!target) {
        throw new InvalidMessageError(
          'config.patch refused',
          [`no agent ${p.agent} here`],
          errorContext(ctx),
        );
      }
      const base = await readTenantConfig(ctx.effects.documents, scope);
      const index = base.history.findIndex((h) => h.patch_id === msg.id);
      if (index >= 0) {
        // A redelivery of a patch already applied: only the audit event is published again (same id).
        await publishApplied(ctx, base.history[index]!, base.history[index - 1]?.config_rev ?? null);
        return;
      }
      if (p.base_rev !== undefined && p.base_rev !== base.config_rev) {
        throw new NonRetriableError(
          `config.patch: base_rev ${p.base_rev} is not the current revision ${base.config_rev ?? '(none)'}`,
          errorContext(ctx),
        );
      }
      const next = nextSettings(ctx, base, p);
      const checked = settingsSchema(target.manifest).safeParse(next.settings);
      if (!checked.success) {
        throw new InvalidMessageError(
          `config.patch refused for ${p.agent}`,
          checked.error.issues.map((i) => `${i.path.join('.') || '(settings)'}: ${i.message}`),
          errorContext(ctx),
        );
      }
      const { entry } = await commitConfigChange(ctx.effects.documents, scope, base, {
        agent: p.agent,
        settings: checked.data,
        changed: changedKeys(base.agents[p.agent] ?? {}, checked.data),
        patch_id: msg.id,
        actor: p.actor,
        reason: p.reason,
        rollback_of: next.rollback_of,
        at: new Date(ctx.clock.now()).toISOString(),
      });
      await publishApplied(ctx, entry, base.config_rev);
      ctx.telemetry.info('config applied', { config_rev: entry.config_rev, changed: entry.changed.length });
    })
    .build();
}
