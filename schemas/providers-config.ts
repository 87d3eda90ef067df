/** `providers.yml`: which providers and tenants exist, their limits, storage and credential references. */
import { z } from 'zod';
import { ProviderName, TenantName } from './identifiers.ts';

/** A credential is never a literal: it names an environment variable, resolved only in the access layer. */
export const SecretReference = z
  .string()
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows the literal ${ENV_VAR} syntax users write.
  .regex(/^\$\{[A-Z][A-Z0-9_]*\}$/, 'credentials must be ${ENV_VAR} references, never literal values');

export const TenantConfig = z
  .object({
    display_name: z.string().optional(),
    application_id: z.string().optional(),
    allowlist: z
      .object({ spaces: z.array(z.string()).default([]), channels: z.array(z.string()).default([]) })
      .prefault({})
      .describe('empty lists allow everything'),
    rate: z
      .object({
        invalid_request_budget: z.number().int().positive().max(9_000).default(500),
        invalid_request_window_s: z.number().int().positive().default(600),
        global_per_second: z.number().int().positive().default(50),
        max_in_flight: z.number().int().positive().default(16),
      })
      .prefault({}),
    storage: z
      .object({
        documents: z.enum(['sqlite', 'mongodb']).default('sqlite'),
        vectors: z.enum(['chroma', 'none']).default('chroma'),
      })
      .prefault({}),
    gateway: z
      .object({
        intents: z
          .array(z.string())
          .default(['GUILDS', 'GUILD_MESSAGES', 'MESSAGE_CONTENT', 'DIRECT_MESSAGES', 'GUILD_VOICE_STATES']),
        shards: z.number().int().positive().default(1),
      })
      .prefault({}),
    credentials: z.record(z.string().regex(/^[a-z_]+$/), SecretReference).default({}),
    settings: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type TenantConfig = z.infer<typeof TenantConfig>;

export const ProviderConfig = z
  .object({
    adapter: z.string().min(1).describe('the access adapter that serves this provider'),
    tenants: z
      .record(TenantName, TenantConfig)
      .refine((t) => Object.keys(t).length > 0, 'needs at least one tenant'),
  })
  .strict();

export const ProvidersConfig = z
  .object({
    version: z.literal(1),
    providers: z.record(ProviderName, ProviderConfig),
  })
  .strict();
export type ProvidersConfig = z.infer<typeof ProvidersConfig>;
