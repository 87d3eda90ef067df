/** moderation.notice: an agent changed or held back what it would have said, and says why. */
import { z } from 'zod';
import { ForeignId, UrnString } from '../identifiers.ts';
import { defineMessage } from '../message-definition.ts';

export const ModerationKind = z.enum(['mentions_defused', 'injection_detected', 'refused']);
export type ModerationKind = z.infer<typeof ModerationKind>;

export const ModerationNotice = defineMessage({
  intent: 'moderation.notice',
  area: 'ops',
  description:
    'The reply agent defused mentions in a model answer, found instructions injected into user text, or the model refused.',
  payload: z.object({
    agent: z.string().min(1),
    kind: ModerationKind,
    /** The message, interaction or transcript being answered. */
    source_urn: UrnString,
    channel: z.object({ urn: UrnString, foreign_id: ForeignId }).optional(),
    /** What was found, in words an operator reads (never a credential, at most a short quote). */
    detail: z.string().min(1).max(500),
    /** How many instances (mentions defused, injection patterns matched). */
    count: z.number().int().positive().optional(),
  }),
});
