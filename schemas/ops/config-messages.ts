/**
 * Runtime changes to a tenant's agent settings (`config.patch`) and their audit record (`config.applied`).
 * The agent-config agent applies a patch as a new `config_rev`; the next invocation of the agent sees it.
 */
import { z } from 'zod';
import { defineMessage } from '../message-definition.ts';

/** Setting names as manifests spell them. */
const SettingKey = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'setting names are a-z, 0-9 or _');
const AgentId = z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'an agent id');

export const ConfigPatch = defineMessage({
  intent: 'config.patch',
  area: 'ops',
  description:
    "Change one agent's settings for the envelope's tenant: set or unset keys, or roll back to an earlier config_rev.",
  payload: z
    .object({
      agent: AgentId,
      /** New values; each must have the type of the manifest's default for that key. */
      set: z.record(SettingKey, z.unknown()).default({}),
      /** Keys to drop from the runtime layer (the manifest or deployment value applies again). */
      unset: z.array(SettingKey).default([]),
      /** Restore the agent's runtime settings as they were right after this revision (a new revision). */
      rollback_to: z.string().min(1).optional(),
      /** Apply only if the tenant's current config_rev is this one (optimistic concurrency for operators). */
      base_rev: z.string().min(1).optional(),
      /** Who asked (an operator, a script); kept in the audit record. */
      actor: z.string().min(1).max(200),
      reason: z.string().max(1000).optional(),
    })
    .refine((p) => p.rollback_to === undefined || (Object.keys(p.set).length === 0 && p.unset.length === 0), {
      message: 'a rollback sets nothing else',
    })
    .refine((p) => p.rollback_to !== undefined || Object.keys(p.set).length > 0 || p.unset.length > 0, {
      message: 'a patch sets, unsets or rolls back something',
    }),
});

export const ConfigApplied = defineMessage({
  intent: 'config.applied',
  area: 'ops',
  description: "Audit record of one applied config.patch: the tenant's new config_rev and what changed.",
  payload: z.object({
    agent: AgentId,
    config_rev: z.string().min(1),
    previous_rev: z.string().nullable(),
    /** The agent's runtime settings after the change. */
    settings: z.record(z.string(), z.unknown()),
    changed: z.array(z.string()),
    rollback_of: z.string().optional(),
    patch_id: z.string().min(1),
    actor: z.string().min(1),
    reason: z.string().optional(),
  }),
});
