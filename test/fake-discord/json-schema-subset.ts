/** The JSON Schema subset the spec fixture uses, checked with Discord's "Invalid Form Body" error tree. */

/** A JSON type name as JSON Schema spells it. */
export type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'null';

/** The keywords the fixture keeps (see scripts/discord-spec-fixture.ts). */
export interface JsonSchema {
  type?: JsonType | JsonType[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  maxLength?: number;
  minLength?: number;
  maxItems?: number;
  minItems?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

/** One entry of a field's `_errors`, as Discord writes it. */
export interface FieldError {
  code: string;
  message: string;
}

/** Discord's nested `errors` object: field (or array index) keys down to `_errors` lists. */
export type ErrorTree = { [key: string]: ErrorTree | FieldError[] };

const SNOWFLAKE = /^(0|[1-9][0-9]*)$/;

function leaf(code: string, message: string): ErrorTree {
  return { _errors: [{ code, message }] };
}

function matchesType(type: JsonType, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

/** The error Discord gives when a value cannot be read as the first type the field allows. */
function typeError(types: JsonType[], value: unknown): ErrorTree {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  switch (types.find((t) => t !== 'null')) {
    case 'string':
      return leaf('STRING_TYPE_CONVERT', `Could not interpret "${shown}" as string.`);
    case 'integer':
      return leaf('NUMBER_TYPE_COERCE', `Value "${shown}" is not int.`);
    case 'number':
      return leaf('NUMBER_TYPE_COERCE', `Value "${shown}" is not a number.`);
    case 'boolean':
      return leaf('BOOLEAN_TYPE_CONVERT', 'Must be either true or false.');
    case 'array':
      return leaf('LIST_TYPE_CONVERT', 'Only iterables may be used in a ListType');
    case 'object':
      return leaf('MODEL_TYPE_CONVERT', 'Only dictionaries may be used in a ModelType');
    default:
      return leaf('BASE_TYPE_REQUIRED', 'This field is required');
  }
}

function countErrors(tree: ErrorTree): number {
  return Object.values(tree).reduce<number>((n, v) => n + (Array.isArray(v) ? v.length : countErrors(v)), 0);
}

/** Whether every `enum` property of an object branch (a discriminator such as `type`) matches. */
function discriminatorMatches(branch: JsonSchema, value: unknown): boolean {
  if (typeof value !== 'object' || value === null || branch.properties === undefined) return false;
  const tagged = Object.entries(branch.properties).filter(([, p]) => p.enum !== undefined);
  const object = value as Record<string, unknown>;
  return tagged.length > 0 && tagged.every(([key, p]) => p.enum?.includes(object[key]));
}

/**
 * Any branch that accepts the value accepts it. Otherwise report the branch that came closest,
 * among those whose discriminator matches (Discord picks a union member by `type`), else among
 * those of the value's JSON type (so `{...}` against `null | object` reports the object's errors).
 */
function checkAnyOf(branches: JsonSchema[], value: unknown): ErrorTree | null {
  const results = branches.map((branch) => ({ branch, errors: validateJsonSchema(branch, value) }));
  if (results.some((r) => r.errors === null)) return null;
  const tagged = results.filter((r) => discriminatorMatches(r.branch, value));
  const typed = results.filter(
    (r) => r.branch.type === undefined || [r.branch.type].flat().some((t) => matchesType(t, value)),
  );
  const candidates = tagged.length > 0 ? tagged : typed.length > 0 ? typed : results;
  let best: ErrorTree | null = null;
  for (const { errors } of candidates) {
    if (errors !== null && (best === null || countErrors(errors) < countErrors(best))) best = errors;
  }
  return best;
}

function checkScalar(schema: JsonSchema, value: unknown): ErrorTree | null {
  if (schema.enum !== undefined && !schema.enum.includes(value)) {
    return leaf('BASE_TYPE_CHOICES', `Value must be one of {${schema.enum.map(String).join(', ')}}.`);
  }
  if (schema.const !== undefined && schema.const !== value) {
    return leaf('BASE_TYPE_CHOICES', `Value must be one of {${String(schema.const)}}.`);
  }
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      return leaf('BASE_TYPE_MAX_LENGTH', `Must be ${schema.maxLength} or fewer in length.`);
    }
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      return leaf('BASE_TYPE_MIN_LENGTH', `Must be ${schema.minLength} or more in length.`);
    }
    if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) {
      return schema.pattern === SNOWFLAKE.source
        ? leaf('NUMBER_TYPE_COERCE', `Value "${value}" is not snowflake.`)
        : leaf('STRING_TYPE_REGEX', 'String value did not match validation regex.');
    }
  }
  if (typeof value === 'number') {
    if (schema.maximum !== undefined && value > schema.maximum) {
      return leaf('NUMBER_TYPE_MAX', `int value should be less than or equal to ${schema.maximum}.`);
    }
    if (schema.minimum !== undefined && value < schema.minimum) {
      return leaf('NUMBER_TYPE_MIN', `int value should be greater than or equal to ${schema.minimum}.`);
    }
  }
  return null;
}

function checkArray(schema: JsonSchema, value: unknown[]): ErrorTree | null {
  if (schema.maxItems !== undefined && value.length > schema.maxItems) {
    return leaf('BASE_TYPE_MAX_LENGTH', `Must be ${schema.maxItems} or fewer in length.`);
  }
  if (schema.minItems !== undefined && value.length < schema.minItems) {
    return leaf('BASE_TYPE_MIN_LENGTH', `Must be ${schema.minItems} or more in length.`);
  }
  if (schema.items === undefined) return null;
  const tree: ErrorTree = {};
  value.forEach((item, index) => {
    const errors = validateJsonSchema(schema.items ?? {}, item);
    if (errors !== null) tree[String(index)] = errors;
  });
  return Object.keys(tree).length > 0 ? tree : null;
}

function checkObject(schema: JsonSchema, value: Record<string, unknown>): ErrorTree | null {
  const tree: ErrorTree = {};
  for (const key of schema.required ?? []) {
    if (value[key] === undefined) tree[key] = leaf('BASE_TYPE_REQUIRED', 'This field is required');
  }
  for (const [key, child] of Object.entries(value)) {
    if (tree[key] !== undefined || child === undefined) continue;
    const known = schema.properties?.[key];
    const extra = schema.additionalProperties;
    const errors =
      known !== undefined
        ? validateJsonSchema(known, child)
        : extra === false && schema.properties !== undefined
          ? leaf('BASE_TYPE_BAD_KEY', `Unknown field "${key}".`)
          : typeof extra === 'object'
            ? validateJsonSchema(extra, child)
            : null;
    if (errors !== null) tree[key] = errors;
  }
  return Object.keys(tree).length > 0 ? tree : null;
}

/**
 * Checks `value` against `schema` (type, enum, const, properties, required, additionalProperties,
 * items, anyOf, lengths, bounds, pattern) and answers `null` or Discord's nested error tree.
 */
export function validateJsonSchema(schema: JsonSchema, value: unknown): ErrorTree | null {
  if (schema.anyOf !== undefined) {
    const errors = checkAnyOf(schema.anyOf, value);
    if (errors !== null) return errors;
  }
  const types = schema.type === undefined ? [] : [schema.type].flat();
  if (types.length > 0 && !types.some((t) => matchesType(t, value))) return typeError(types, value);
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return checkArray(schema, value);
  if (typeof value === 'object') return checkObject(schema, value as Record<string, unknown>);
  return checkScalar(schema, value);
}

/** Reads a query-string or path value as the type its schema names (query strings are all text). */
export function coerceParam(schema: JsonSchema, raw: string): unknown {
  const types = schema.type === undefined ? [] : [schema.type].flat();
  if (types.includes('integer') || types.includes('number')) {
    return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  }
  if (types.includes('boolean')) {
    if (['true', '1', 'True'].includes(raw)) return true;
    if (['false', '0', 'False'].includes(raw)) return false;
  }
  return raw;
}
