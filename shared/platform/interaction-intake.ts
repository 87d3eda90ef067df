/**
 * The typed RPC between the two Workers for interactions: the functions Worker (tokenless, public
 * HTTP) hands a signed interaction's raw bytes to the access Worker, whose provider adapter verifies
 * and answers it; and an operator's command registration goes the same way. Both sides parse with
 * these schemas.
 */
import { SegmentName } from '@promethean/schemas/identifiers';
import { z } from 'zod';

/** Interactions larger than this are refused with 413 before they are read whole. */
export const MAX_INTERACTION_BODY_BYTES = 64 * 1024;

export const InteractionIntake = z.object({
  provider: SegmentName,
  tenant: SegmentName,
  /** Header values as received (empty when missing): the adapter decides what they must be. */
  signature: z.string().max(1024),
  timestamp: z.string().max(128),
  /** The raw body, exactly as signed. */
  body: z
    .instanceof(Uint8Array)
    .refine((b) => b.byteLength <= MAX_INTERACTION_BODY_BYTES, 'interaction body is too large'),
  /** When the functions Worker received it (ms since the epoch). */
  received_at: z.number().int().positive(),
  /** The functions Worker's own id for this request, named again if it gives up waiting. */
  request_id: z
    .string()
    .regex(/^[A-Za-z0-9-]{8,64}$/)
    .optional(),
  /**
   * When the functions Worker stops waiting and answers 503 itself (ms since the epoch): an answer that
   * cannot arrive before then must not start any work, or the user's failure message would be a lie.
   */
  answer_by: z.number().int().positive().optional(),
});

/** The functions Worker gave up waiting for this request: whatever it started must not run. */
export const InteractionAbandonment = z.object({
  provider: SegmentName,
  tenant: SegmentName,
  request_id: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
});
export type InteractionAbandonment = z.infer<typeof InteractionAbandonment>;
export type InteractionIntake = z.infer<typeof InteractionIntake>;

/** The HTTP answer the functions Worker sends back to the provider, as the adapter chose it. */
export interface InteractionReply {
  status: number;
  /** JSON body; for errors `{ error, message }`. */
  body: unknown;
  /** Milliseconds spent in the access Worker's steps before the answer (for Server-Timing; no secrets). */
  timing?: { verify_ms: number; guard_ms: number; access_ms: number };
}

export const CommandSyncRequest = z.object({
  provider: SegmentName.default('discord'),
  tenant: SegmentName,
  /** Compare only: report what would change without writing. */
  dry_run: z.boolean().default(false),
});
export type CommandSyncRequest = z.infer<typeof CommandSyncRequest>;

export type CommandChange = 'added' | 'updated' | 'unchanged' | 'removed';

export interface CommandSyncReport {
  provider: string;
  tenant: string;
  application_id: string;
  /** Where the commands live (`global`: every guild the application is in). */
  scope: 'global';
  applied: boolean;
  changes: Array<{ name: string; change: CommandChange }>;
}

/** A command registration that could not be done, with the HTTP status the admin route answers. */
export interface CommandSyncFailure {
  error: string;
  message: string;
  status: number;
}

/** The access Worker's interaction RPC, as the functions Worker's `ACCESS` binding offers it. */
export interface AccessInteractionsRpc {
  acceptInteraction(input: InteractionIntake): Promise<InteractionReply>;
  /** Marks a request the functions Worker answered 503 for; its hand-off then publishes nothing. */
  abandonInteraction(input: InteractionAbandonment): Promise<void>;
  syncCommands(input: z.input<typeof CommandSyncRequest>): Promise<CommandSyncReport | CommandSyncFailure>;
}
