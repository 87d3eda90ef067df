/**
 * A tenant's runtime agent settings (what `config.patch` changes), kept as ONE document in the tenant's
 * document store: the current revision of every agent's runtime settings plus a bounded history. One
 * document written in one upsert is what makes a patch atomic (a reader sees the old revision or the new
 * one, never half of a patch), and the slot version (the zero-padded revision number) is the compare-and-set:
 * two patches racing for the same revision tie, the store keeps the first, and the second sees it lost.
 */
import { z } from 'zod';
import type { DocumentStore, StoredDocument } from '../effects/document-store.ts';
import { NonRetriableError, RetryAfterError } from './agent-errors.ts';

export const TENANT_CONFIG_ID = 'agent-settings';
/** Revisions kept for rollback and audit in the document itself (older ones stay in the bus's audit events). */
export const CONFIG_HISTORY_LIMIT = 100;

const Settings = z.record(z.string(), z.unknown());

const HistoryEntry = z.object({
  rev: z.number().int().positive(),
  config_rev: z.string(),
  agent: z.string(),
  /** The agent's runtime settings right after this revision (what a rollback to it restores). */
  settings: Settings,
  changed: z.array(z.string()),
  patch_id: z.string(),
  actor: z.string(),
  reason: z.string().optional(),
  rollback_of: z.string().optional(),
  at: z.string(),
});
export type ConfigHistoryEntry = z.infer<typeof HistoryEntry>;

export const TenantConfig = z.object({
  rev: z.number().int().nonnegative(),
  config_rev: z.string().nullable(),
  agents: z.record(z.string(), Settings),
  history: z.array(HistoryEntry),
});
export type TenantConfig = z.infer<typeof TenantConfig>;

export const EMPTY_TENANT_CONFIG: TenantConfig = Object.freeze({
  rev: 0,
  config_rev: null,
  agents: {},
  history: [],
}) as TenantConfig;

/** What one invocation sees: the agent's runtime settings and the revision they belong to. */
export interface ConfigOverlay {
  config_rev: string;
  settings: Readonly<Record<string, unknown>>;
}

/** The stored config is not what this code wrote (a hand edit, a bug): refuse rather than guess. */
export class TenantConfigCorruptError extends NonRetriableError {
  override readonly name = 'TenantConfigCorruptError';
}

function configOf(
  doc: StoredDocument | undefined,
  scope: { provider: string; tenant: string },
): TenantConfig {
  const value = doc?.slots.current?.value;
  if (value === undefined) return EMPTY_TENANT_CONFIG;
  const parsed = TenantConfig.safeParse(value);
  if (!parsed.success) {
    throw new TenantConfigCorruptError(
      `tenant config document is malformed: ${parsed.error.issues[0]?.message}`,
      scope,
    );
  }
  return parsed.data;
}

/** The tenant's current runtime settings (every agent). */
export async function readTenantConfig(
  documents: DocumentStore,
  scope: { provider: string; tenant: string },
): Promise<TenantConfig> {
  return configOf(await documents.get('config', TENANT_CONFIG_ID), scope);
}

/** The overlay one agent's invocation gets, or undefined when the tenant never patched anything. */
export function overlayFor(config: TenantConfig, agent: string): ConfigOverlay | undefined {
  if (config.config_rev === null) return undefined;
  return { config_rev: config.config_rev, settings: config.agents[agent] ?? {} };
}

export interface ConfigChange {
  agent: string;
  /** The agent's complete runtime settings after the change (already validated by the caller). */
  settings: Record<string, unknown>;
  changed: string[];
  patch_id: string;
  actor: string;
  reason?: string | undefined;
  rollback_of?: string | undefined;
  at: string;
}

const REV_WIDTH = 12;

/** A revision id: the number (ordering) plus a digest of the patch that made it (who made it). */
async function configRevFor(rev: number, patchId: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(patchId));
  const hex = [...new Uint8Array(digest).slice(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `r${rev}-${hex}`;
}

/**
 * Writes `change` as revision `base.rev + 1` in one upsert. Answers the entry written; throws RetryAfterError
 * when another patch took that revision first (the caller's message is retried against the new base).
 */
export async function commitConfigChange(
  documents: DocumentStore,
  scope: { provider: string; tenant: string },
  base: TenantConfig,
  change: ConfigChange,
): Promise<{ config: TenantConfig; entry: ConfigHistoryEntry }> {
  const rev = base.rev + 1;
  const config_rev = await configRevFor(rev, change.patch_id);
  const entry: ConfigHistoryEntry = {
    rev,
    config_rev,
    agent: change.agent,
    settings: change.settings,
    changed: change.changed,
    patch_id: change.patch_id,
    actor: change.actor,
    ...(change.reason !== undefined && { reason: change.reason }),
    ...(change.rollback_of !== undefined && { rollback_of: change.rollback_of }),
    at: change.at,
  };
  const config: TenantConfig = {
    rev,
    config_rev,
    agents: { ...base.agents, [change.agent]: change.settings },
    history: [...base.history, entry].slice(-CONFIG_HISTORY_LIMIT),
  };
  const written = await documents.upsertMany(
    'config',
    [
      {
        ...scope,
        foreign_id: TENANT_CONFIG_ID,
        urn: `urn:${scope.provider}:config:${scope.tenant}:${TENANT_CONFIG_ID}`,
        index: {},
        slots: { current: { version: String(rev).padStart(REV_WIDTH, '0'), value: config } },
      },
    ],
    { returnDocuments: true },
  );
  const stored = written.documents?.[0] ?? (await documents.get('config', TENANT_CONFIG_ID));
  const now = configOf(stored, scope);
  if (now.config_rev !== config_rev) {
    throw new RetryAfterError(
      `config revision ${rev} was taken by another patch (now ${now.config_rev}); retrying on the new base`,
      200,
      scope,
    );
  }
  return { config, entry };
}
