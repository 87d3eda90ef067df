/**
 * Validates a tool call's arguments against the tool's generated schema with @cfworker/json-schema (no
 * `eval`, so it runs in Workers), and says what is wrong in one short line a model can correct.
 */
import { Validator } from '@cfworker/json-schema';
import type { JsonSchema } from './tool-catalog.ts';

export type ArgumentCheck = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

/** How many problems one error line names; a model fixes the first few and tries again. */
const PROBLEMS_SHOWN = 3;

/** Compiled validators per schema object; the catalog keeps its schemas, so identity is a fine key. */
const validators = new WeakMap<JsonSchema, Validator>();

function validatorFor(schema: JsonSchema): Validator {
  let v = validators.get(schema);
  if (!v) {
    v = new Validator(schema as ConstructorParameters<typeof Validator>[0], '2020-12', false);
    validators.set(schema, v);
  }
  return v;
}

/** Parses (when a string, as models send them) and validates tool arguments. */
export function checkArguments(schema: JsonSchema, raw: unknown): ArgumentCheck {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = raw.trim() === '' ? {} : JSON.parse(raw);
    } catch {
      return { ok: false, error: 'arguments are not valid JSON' };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, error: 'arguments must be a JSON object' };
  const result = validatorFor(schema).validate(value);
  if (result.valid) return { ok: true, value: value as Record<string, unknown> };
  // The leaf errors name the field; the wrapping "properties"/"allOf" errors only repeat them.
  const leaves = result.errors.filter(
    (e) => e.keyword !== 'properties' && e.keyword !== '$ref' && e.keyword !== 'allOf',
  );
  const shown = (leaves.length > 0 ? leaves : result.errors).slice(0, PROBLEMS_SHOWN);
  return {
    ok: false,
    error: `invalid arguments: ${shown.map((e) => `${e.instanceLocation.replace(/^#\/?/, '') || '(root)'}: ${e.error}`).join('; ')}`,
  };
}
