/** The ModelRef an output envelope carries for one model call: name, mode, and what the call used. */
import type { ModelRef } from '@promethean/schemas/envelope';
import type { ModelAnswer } from '../effects/effect-ports.ts';

/** `role` says what the model did: llm, embed, stt, tts. */
export function modelRefOf(role: string, answer: ModelAnswer): ModelRef {
  return {
    role,
    name: answer.model,
    offline: answer.offline,
    ...(answer.usage !== undefined && { usage: { ...answer.usage } }),
    ...(answer.finish_reason !== undefined && { finish_reason: answer.finish_reason }),
  };
}
