/**
 * The access layer's state as the functions Worker reads it over RPC (`AccessWorker.accessStatus()`),
 * in provider-agnostic terms: per tenant, its REST rate-limit buckets and invalid-request budget, and
 * its realtime sessions (gateway shards). Parsed with zod on arrival: the two Workers deploy separately.
 */
import { z } from 'zod';
import { AgentHealthReport } from './ops-delta.ts';

export const RestBucketState = z.object({
  id: z.string(),
  limit: z.number().nullable(),
  remaining: z.number(),
  reset_in_ms: z.number(),
  waiting: z.number(),
});
export type RestBucketState = z.infer<typeof RestBucketState>;

export const RestStatus = z.object({
  token_disabled: z.object({ disabled_at: z.number(), reason: z.string() }).nullable(),
  budget: z.object({
    invalid_in_window: z.number().int().nonnegative(),
    budget: z.number().int().nonnegative(),
    window_s: z.number().int().nonnegative(),
    breaker_open: z.boolean(),
    reopens_in_ms: z.number().nonnegative(),
  }),
  buckets: z.array(RestBucketState),
  sent: z.number().int().nonnegative(),
  rate_limited: z.number().int().nonnegative(),
});
export type RestStatus = z.infer<typeof RestStatus>;

export const RealtimeSessionStatus = z.object({
  shard: z.number().int().nonnegative(),
  status: z.string(),
  desired: z.string(),
  connected: z.boolean(),
  ping_ms: z.number().nullable(),
  seq: z.number().nullable(),
  last_ack_at: z.number().nullable(),
  reason: z.string().optional(),
  published: z.number().int().nonnegative(),
  connections: z.number().int().nonnegative(),
});
export type RealtimeSessionStatus = z.infer<typeof RealtimeSessionStatus>;

export const AccessTenantStatus = z.object({
  provider: z.string(),
  tenant: z.string(),
  /** Null for providers without a REST adapter (echo). */
  rest: RestStatus.nullable(),
  realtime: z.array(RealtimeSessionStatus),
  /** Set when a part of this tenant's status could not be read. */
  error: z.string().optional(),
});
export type AccessTenantStatus = z.infer<typeof AccessTenantStatus>;

export const AccessStatus = z.object({
  worker: z.string(),
  isolate: z.string(),
  health: z.array(AgentHealthReport),
  tenants: z.array(AccessTenantStatus),
});
export type AccessStatus = z.infer<typeof AccessStatus>;

/** What the functions Worker calls on the access Worker's entrypoint. */
export interface AccessStatusRpc {
  accessStatus(): Promise<unknown>;
}
