/** Health and error events every agent may publish. */
import { z } from 'zod';
import { defineMessage } from '../message-definition.ts';

export const HealthState = z.enum(['INIT', 'RUNNING', 'DEGRADED', 'PAUSED', 'STOPPED']);
export type HealthState = z.infer<typeof HealthState>;

export const Health = defineMessage({
  intent: 'health',
  area: 'ops',
  description: 'An agent reports its state; readiness (dependencies answer) is separate from liveness.',
  payload: z.object({
    agent: z.string().min(1),
    state: HealthState,
    ready: z.boolean(),
    live: z.boolean(),
    reason: z.string().optional(),
    details: z.record(z.string(), z.unknown()).default({}),
  }),
});

export const ErrorCode = z.enum([
  'invalid_envelope',
  'invalid_payload',
  'unknown_intent',
  'unknown_tenant',
  'policy_denied',
  'handler_failed',
  'overloaded',
  'timeout',
  'dead_lettered',
  'provider_error',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorEvent = defineMessage({
  intent: 'error',
  area: 'ops',
  description: 'Something failed; carries what a reader needs to act on it.',
  payload: z.object({
    code: ErrorCode,
    message: z.string(),
    agent: z.string().optional(),
    retriable: z.boolean(),
    topic: z.string().optional(),
    failed_intent: z.string().optional(),
    failed_envelope_id: z.string().optional(),
    retry_after_ms: z.number().nonnegative().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

export const GatewayControl = defineMessage({
  intent: 'control.gateway',
  area: 'control',
  description: 'Start, stop or change presence of a tenant gateway session.',
  payload: z.object({
    action: z.enum(['start', 'stop', 'presence']),
    shard: z.number().int().nonnegative().default(0),
    presence: z.object({ status: z.string(), activity: z.string().optional() }).optional(),
  }),
});
