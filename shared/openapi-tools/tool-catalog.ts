/**
 * Tools from an OpenAPI 3.x document: each operation becomes an OpenAI-style function tool whose
 * parameters are one JSON Schema object merging the operation's path and query parameters and its JSON
 * body. Operations a model could not use well — undocumented, ambiguous, or with shapes we cannot merge —
 * are skipped and reported, never half-included. Pure and eval-free, so it runs in Workers.
 */
import { normalizeToolName } from './tool-names.ts';

/** JSON Schema as plain data. */
export type JsonSchema = Record<string, unknown>;

/** What a chat-completions request carries in `tools`. */
export interface ToolDefinition {
  type: 'function';
  function: { name: string; description: string; parameters: JsonSchema };
}

/** Where each argument goes when the tool is called. */
export interface ToolOperation {
  name: string;
  operationId: string;
  method: string;
  /** As in the document, `{name}` placeholders included; relative to the server URL. */
  path: string;
  pathParams: string[];
  queryParams: string[];
  /** Argument names that make up the JSON body, or `body` itself when the body is not an object. */
  bodyParams: string[];
  bodyMode: 'none' | 'merged' | 'whole';
}

export interface SkippedOperation {
  method: string;
  path: string;
  operationId?: string;
  reason: string;
}

export interface ToolCatalog {
  tools: ToolDefinition[];
  operations: Map<string, ToolOperation>;
  skipped: SkippedOperation[];
}

/** Descriptions longer than this are cut: providers cap them, and long ones crowd the context. */
export const TOOL_DESCRIPTION_MAX = 1_024;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
const MAX_REF_DEPTH = 8;

interface Parameter {
  name?: string;
  in?: string;
  required?: boolean;
  description?: string;
  schema?: JsonSchema;
  $ref?: string;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }>; $ref?: string };
  deprecated?: boolean;
}

class SkipOperation extends Error {}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Resolves local `#/...` references by inlining them, so the tool's schema stands alone. */
function inline(doc: unknown, value: unknown, depth = 0): unknown {
  if (Array.isArray(value)) return value.map((v) => inline(doc, v, depth));
  if (!isObject(value)) return value;
  if (typeof value.$ref === 'string') {
    if (depth >= MAX_REF_DEPTH)
      throw new SkipOperation(`$ref nesting deeper than ${MAX_REF_DEPTH}: ${value.$ref}`);
    if (!value.$ref.startsWith('#/')) throw new SkipOperation(`external $ref ${value.$ref} is not supported`);
    let target: unknown = doc;
    for (const part of value.$ref.slice(2).split('/')) {
      const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
      target = isObject(target) ? target[key] : undefined;
    }
    if (target === undefined) throw new SkipOperation(`unresolvable $ref ${value.$ref}`);
    const { $ref: _ref, ...siblings } = value;
    return { ...(inline(doc, target, depth + 1) as JsonSchema), ...siblings };
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = inline(doc, v, depth);
  return out;
}

function describe(op: Operation): string {
  const text = [op.summary, op.description].filter(
    (t): t is string => typeof t === 'string' && t.trim() !== '',
  );
  const joined = text.length === 2 && text[1]!.startsWith(text[0]!) ? text[1]! : text.join(' ');
  return joined.length > TOOL_DESCRIPTION_MAX ? `${joined.slice(0, TOOL_DESCRIPTION_MAX - 1)}…` : joined;
}

function toolFor(doc: unknown, method: string, path: string, op: Operation, shared: Parameter[]) {
  if (op.deprecated) throw new SkipOperation('deprecated');
  if (!op.operationId) throw new SkipOperation('no operationId');
  const description = describe(op);
  if (description === '') throw new SkipOperation('no summary or description');
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  const pathParams: string[] = [];
  const queryParams: string[] = [];
  const byKey = new Map<string, Parameter>();
  for (const raw of [...shared, ...(op.parameters ?? [])]) {
    const p = inline(doc, raw) as Parameter;
    byKey.set(`${p.in}:${p.name}`, p);
  }
  for (const p of byKey.values()) {
    if (p.in === 'header' || p.in === 'cookie') {
      if (p.required)
        throw new SkipOperation(`required ${p.in} parameter ${p.name} cannot be a tool argument`);
      continue;
    }
    if (!p.name || (p.in !== 'path' && p.in !== 'query'))
      throw new SkipOperation('a parameter has no name or place');
    if (!p.description) throw new SkipOperation(`parameter ${p.name} has no description`);
    if (properties[p.name]) throw new SkipOperation(`parameter ${p.name} appears in both path and query`);
    properties[p.name] = { ...(p.schema ?? {}), description: p.description };
    if (p.required || p.in === 'path') required.push(p.name);
    (p.in === 'path' ? pathParams : queryParams).push(p.name);
  }
  let bodyMode: ToolOperation['bodyMode'] = 'none';
  const bodyParams: string[] = [];
  const body = op.requestBody ? (inline(doc, op.requestBody) as Operation['requestBody']) : undefined;
  if (body) {
    const schema = body.content?.['application/json']?.schema;
    if (!schema) throw new SkipOperation('the request body is not JSON');
    if (schema.type === 'object' && isObject(schema.properties)) {
      bodyMode = 'merged';
      for (const [name, prop] of Object.entries(schema.properties)) {
        if (properties[name])
          throw new SkipOperation(`body field ${name} clashes with a parameter of the same name`);
        properties[name] = prop as JsonSchema;
        bodyParams.push(name);
      }
      const bodyRequired = Array.isArray(schema.required) ? (schema.required as string[]) : [];
      if (body.required !== false) required.push(...bodyRequired);
    } else {
      if (properties.body) throw new SkipOperation('a parameter named body clashes with the request body');
      bodyMode = 'whole';
      properties.body = schema;
      bodyParams.push('body');
      if (body.required) required.push('body');
    }
  }
  const parameters: JsonSchema = {
    type: 'object',
    properties,
    ...(required.length > 0 && { required: [...new Set(required)] }),
    additionalProperties: false,
  };
  const name = normalizeToolName(op.operationId);
  return {
    tool: { type: 'function' as const, function: { name, description, parameters } },
    operation: {
      name,
      operationId: op.operationId,
      method: method.toUpperCase(),
      path,
      pathParams,
      queryParams,
      bodyParams,
      bodyMode,
    },
  };
}

/** Builds the catalog; a broken operation is reported in `skipped` and never stops the others. */
export function buildToolCatalog(doc: unknown): ToolCatalog {
  const built: Array<{ tool: ToolDefinition; operation: ToolOperation }> = [];
  const skipped: SkippedOperation[] = [];
  const paths = isObject(doc) && isObject(doc.paths) ? doc.paths : {};
  for (const [path, rawItem] of Object.entries(paths)) {
    if (!isObject(rawItem)) continue;
    const shared = (Array.isArray(rawItem.parameters) ? rawItem.parameters : []) as Parameter[];
    for (const method of METHODS) {
      const op = rawItem[method];
      if (!isObject(op)) continue;
      const operationId = typeof op.operationId === 'string' ? op.operationId : undefined;
      try {
        built.push(toolFor(doc, method, path, op as Operation, shared));
      } catch (e) {
        if (!(e instanceof SkipOperation)) throw e;
        skipped.push({
          method: method.toUpperCase(),
          path,
          ...(operationId && { operationId }),
          reason: e.message,
        });
      }
    }
  }
  // Two operations that normalize to one name would let a model call the wrong one: neither becomes a tool.
  const counts = new Map<string, number>();
  for (const b of built) counts.set(b.tool.function.name, (counts.get(b.tool.function.name) ?? 0) + 1);
  const tools: ToolDefinition[] = [];
  const operations = new Map<string, ToolOperation>();
  for (const b of built) {
    if ((counts.get(b.tool.function.name) ?? 0) > 1) {
      skipped.push({
        method: b.operation.method,
        path: b.operation.path,
        operationId: b.operation.operationId,
        reason: `ambiguous: another operation also becomes tool ${b.tool.function.name}`,
      });
      continue;
    }
    tools.push(b.tool);
    operations.set(b.tool.function.name, b.operation);
  }
  return { tools, operations, skipped };
}
