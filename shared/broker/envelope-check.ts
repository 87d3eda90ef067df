/** The check every envelope passes on its way into the in-memory broker. */
import { Envelope } from '@promethean/schemas/envelope';
import { InvalidMessageError } from '../agent/agent-errors.ts';
import { parseTopic } from '../platform/topics.ts';

/** `Name: message` for an Error, the value as text otherwise. */
export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * Parses the envelope and its `dst` topic, and copies it the way a real queue would serialize it, so a
 * publisher mutating its object later cannot change what subscribers see. Throws `InvalidMessageError`.
 */
export function checkEnvelope(input: Envelope): Envelope {
  const invalid = (issues: string[]) =>
    new InvalidMessageError('invalid envelope', issues, { topic: input?.dst }, 'invalid_envelope');
  const parsed = Envelope.safeParse(input);
  if (!parsed.success) {
    throw invalid(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  try {
    parseTopic(parsed.data.dst);
    return structuredClone(parsed.data);
  } catch (error) {
    throw invalid([errorText(error)]);
  }
}
