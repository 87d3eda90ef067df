/** What travels in a Cloudflare Queue message: the envelope plus, after fan-out, the one agent it is for. */
import { z } from 'zod';

export const QueueBody = z.object({
  v: z.literal(1),
  envelope: z.unknown(),
  /** Set when the router fanned a message out: only this agent handles this copy. */
  target: z.string().min(1).optional(),
  /**
   * Failed attempts of earlier copies of this message. A copy re-sent because its agent was overloaded
   * or paused starts the queue's `attempts` again; this keeps the agent's `max_retries` counting only
   * real failures across copies.
   */
  failed_attempts: z.number().int().nonnegative().optional(),
});
export type QueueBody = z.infer<typeof QueueBody>;

/**
 * Several envelopes in one queue message (the gateway coalesces what it dispatches under load): one
 * queue write, read and delete instead of one per envelope. The router settles each envelope as if it
 * had come alone (as a `QueueBody` with this body's `failed_attempts`); envelopes are validated there,
 * one by one, so one invalid envelope is dead-lettered alone.
 */
export const QueueBatchBody = z.object({
  v: z.literal(1),
  envelopes: z.array(z.unknown()).min(1),
  failed_attempts: z.number().int().nonnegative().optional(),
});
export type QueueBatchBody = z.infer<typeof QueueBatchBody>;

/** What `QueueBatchBody` may carry in one queue message (Cloudflare's limit is 128 KB per message). */
export const QUEUE_BATCH_LIMITS = Object.freeze({ envelopes: 100, bytes: 96_000 });

/** A message the bus gave up on, kept for inspection and replay. */
export const DeadLetter = z.object({
  v: z.literal(1),
  queue: z.string(),
  target: z.string().optional(),
  reason: z.string(),
  error: z.string(),
  attempts: z.number().int().nonnegative(),
  dead_lettered_at: z.iso.datetime(),
  /** The queue body exactly as received (it may be the thing that was invalid). */
  body: z.unknown(),
  provider: z.string().optional(),
  tenant: z.string().optional(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;
