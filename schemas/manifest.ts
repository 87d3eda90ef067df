/** The `agent.yml` manifest: what an agent consumes, produces, may do and how it reports health. */
import { z } from 'zod';

export const AGENT_KINDS = ['provider-access', 'stateless-worker'] as const;

export const CAPABILITIES = [
  'bus.publish',
  'storage.documents',
  'storage.vectors',
  'storage.blobs',
  'http.fetch',
  'llm.complete',
  'llm.tools',
  'embed.text',
  'speech.transcribe',
  'speech.synthesize',
  'publish.rest',
  'coordination.leases',
  'storage.migrations',
  'ops.read',
  'voice.playback',
  'web.crawl',
  'provider.gateway.connect',
  'provider.rest.call',
  'provider.voice.connect',
  'provider.voice.send',
  'provider.secrets.read',
] as const;
export const Capability = z.enum(CAPABILITIES);
export type Capability = z.infer<typeof Capability>;

/** A topic pattern over `promethean.p.<provider>.t.<tenant>.<area>.<name>`, with `*` segments allowed. */
const TopicPattern = z
  .string()
  .regex(
    /^promethean\.p\.[a-z0-9_*-]+\.t\.[a-z0-9_*-]+\.[a-z*]+\.[A-Za-z0-9_.*>-]+$/,
    'must be a promethean topic pattern',
  );

// Strict here and in every nested object below: a misspelt key (`when:` on an output, `max_retry:`) is an
// error naming it, not a setting silently dropped.
export const ManifestPort = z
  .object({
    topic: TopicPattern,
    schema: z.string().min(1).describe('an intent from the schema catalog'),
  })
  .strict();

/**
 * Named tests over an input's parsed payload (implemented in shared/agent/input-filter.ts, which also says
 * which intents each one can test). They read only the normalized payload, never a provider's shape.
 */
export const INPUT_PREDICATES = ['addresses_agent', 'human_author', 'has_attachments'] as const;
export const InputPredicate = z.enum(INPUT_PREDICATES, {
  error: (issue) =>
    `unknown input predicate ${JSON.stringify(issue.input)}; known: ${INPUT_PREDICATES.join(', ')}`,
});
export type InputPredicate = z.infer<typeof InputPredicate>;

/**
 * An input: a subscription. `when` lists predicates that must all hold for a delivery to reach the agent;
 * the router drops the others before it builds a context (the handler still checks for itself).
 */
export const ManifestInput = ManifestPort.extend({
  when: z
    .array(InputPredicate)
    .min(1)
    .optional()
    .describe('predicates over the parsed payload, all of which must hold; absent: every message'),
});
export type ManifestInput = z.infer<typeof ManifestInput>;

const semver = z.string().regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'must be semver like 1.0.0');

export const AgentManifest = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'must be kebab-case'),
    kind: z.enum(AGENT_KINDS),
    version: semver.describe('semver of the contract this agent keeps'),
    description: z.string().min(1),
    binds: z
      .object({
        providers: z.array(z.string().min(1)).min(1).describe('provider names or *'),
        tenants: z.array(z.string().min(1)).min(1).describe('tenant names or *'),
      })
      .strict(),
    inputs: z.array(ManifestInput).default([]),
    outputs: z.array(ManifestPort).default([]),
    capabilities: z.array(Capability).default([]),
    state: z.enum(['none', 'durable-object', 'document-store', 'vector-store']).default('none'),
    health: z
      .object({
        interval_ms: z.number().int().positive().default(30_000),
        liveness_timeout_ms: z.number().int().positive().default(120_000),
      })
      .strict()
      .prefault({}),
    idempotency_key: z
      .string()
      .regex(/\{[a-z_.]+\}/, 'must reference at least one envelope field like {payload.foreign_id}')
      .describe('template over the envelope, e.g. {provider}:{tenant}:{payload.foreign_id}'),
    retry: z
      .object({
        max_retries: z.number().int().min(0).max(100).default(5),
        base_delay_s: z.number().int().min(0).max(3600).default(2),
        max_delay_s: z.number().int().min(1).max(43_200).default(300),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        max_in_flight: z.number().int().positive().default(64),
        max_in_flight_per_tenant: z.number().int().positive().default(16),
      })
      .strict()
      .prefault({}),
    settings: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .superRefine((m, ctx) => {
    const provider = m.capabilities.filter((c) => c.startsWith('provider.'));
    if (m.kind !== 'provider-access' && provider.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['capabilities'],
        message: `only provider-access agents may hold ${provider.join(', ')}`,
      });
    }
  });
export type AgentManifest = z.infer<typeof AgentManifest>;
