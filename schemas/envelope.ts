/** The one shape every message on the bus has, validated at every boundary. */
import { z } from 'zod';
import { IsoTimestamp, ProviderName, TenantName } from './identifiers.ts';

export const ModelRef = z.object({
  role: z.string().min(1).describe('what the model did: llm, embed, stt, tts'),
  name: z.string().min(1),
  version: z.string().optional(),
  offline: z.boolean().optional(),
  usage: z
    .object({
      prompt_tokens: z.number().int().nonnegative(),
      completion_tokens: z.number().int().nonnegative().optional(),
      total_tokens: z.number().int().nonnegative(),
    })
    .optional()
    .describe('tokens the call used, as the model server reported them'),
  finish_reason: z.string().min(1).max(40).optional().describe('why generation stopped: stop, length, …'),
});
export type ModelRef = z.infer<typeof ModelRef>;

export const Envelope = z
  .object({
    id: z.string().min(1).max(200),
    ts: IsoTimestamp,
    src: z.string().min(1).describe('the agent id (or URN) that produced this message'),
    dst: z.string().min(1).describe('the topic this message is published to'),
    provider: ProviderName,
    tenant: TenantName,
    intent: z.string().min(1),
    v: z.number().int().min(2).max(99).optional().describe("the payload's contract version; absent means 1"),
    payload: z.unknown(),
    corr: z.string().min(1).optional().describe('correlation id: request/response pairs and causal chains'),
    trace: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('the id of the first envelope of the causal chain; absent on that first envelope itself'),
    parent: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('the id of the envelope this one was derived from; absent on a trace root'),
    auth: z
      .object({ subject: z.string().optional(), scopes: z.array(z.string()).optional() })
      .optional()
      .describe('who asked: never a credential'),
    build_sha: z.string().optional(),
    models: z.array(ModelRef).optional(),
    config_rev: z.string().optional(),
  })
  .strict();
export type Envelope = z.infer<typeof Envelope>;

/** An envelope whose payload has been parsed against its intent's schema. */
export type TypedEnvelope<P> = Omit<Envelope, 'payload'> & { payload: P };
