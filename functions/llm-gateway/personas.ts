/**
 * Personas are configuration (personas.json), not code: a system prompt, a temperature and whether the
 * persona uses the platform's tools. Applying one only rewrites the chat action before it runs.
 */
import type { ChatCompletionAction } from '@promethean/schemas/llm-gateway/gateway-messages';
import { z } from 'zod';
import { GatewayError } from './gateway-errors.ts';
import personasJson from './personas.json';

const Persona = z
  .object({
    description: z.string(),
    system: z.string().min(1),
    temperature: z.number().min(0).max(2),
    use_platform_tools: z.boolean(),
  })
  .strict();

/** Parsed once: the file ships with the code, so a bad persona fails the first test that loads it. */
export const PERSONAS: Readonly<Record<string, z.infer<typeof Persona>>> = z
  .record(z.string(), Persona)
  .parse(personasJson);

/** The action with its persona applied (system prompt first, the persona's temperature and tool use). */
export function applyPersona(action: ChatCompletionAction): ChatCompletionAction {
  if (action.persona === undefined) return action;
  const persona = PERSONAS[action.persona];
  if (!persona)
    throw new GatewayError(
      'invalid_request',
      `unknown persona ${action.persona}; known: ${Object.keys(PERSONAS).join(', ')}`,
    );
  return {
    ...action,
    messages: [{ role: 'system', content: persona.system }, ...action.messages],
    temperature: persona.temperature,
    use_platform_tools: action.use_platform_tools || persona.use_platform_tools,
  };
}
