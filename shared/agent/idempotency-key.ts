/** Evaluates a manifest's declared idempotency key template (`{provider}:{tenant}:{payload.foreign_id}`). */
import { NonRetriableError } from './agent-errors.ts';

const FIELD = /\{([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\}/g;

function lookup(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Fills the template from the envelope; a missing field is an error (a key must never be partial). */
export function idempotencyKey(template: string, envelope: unknown): string {
  return template.replace(FIELD, (_, path: string) => {
    const v = lookup(envelope, path);
    if (typeof v !== 'string' && typeof v !== 'number') {
      throw new NonRetriableError(`idempotency key field {${path}} is missing from the message`, {
        intent: String(lookup(envelope, 'intent')),
      });
    }
    return String(v);
  });
}
