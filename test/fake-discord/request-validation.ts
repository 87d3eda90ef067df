/** Checks a request's path parameters, query and JSON body against its route in the spec fixture. */
import type { ErrorTree } from './json-schema-subset.ts';
import { coerceParam, validateJsonSchema } from './json-schema-subset.ts';
import type { SpecRoute } from './spec-fixture.ts';

/** The typed query and, when the request breaks the spec, Discord's error tree. */
export interface ValidationResult {
  query: Record<string, unknown>;
  errors: ErrorTree | null;
}

/**
 * Validates like Discord: all problems in one 50035 tree keyed by parameter or body field. A
 * missing required body is checked as `{}` so that e.g. a command PUT without an array fails.
 */
export function validateRequest(
  route: SpecRoute,
  params: Record<string, string>,
  search: URLSearchParams,
  body: unknown,
): ValidationResult {
  const tree: ErrorTree = {};
  for (const param of route.path_params) {
    const errors = validateJsonSchema(param.schema, params[param.name]);
    if (errors !== null) tree[param.name] = errors;
  }
  const query: Record<string, unknown> = {};
  for (const param of route.query_params) {
    const raw = search.get(param.name);
    if (raw === null) continue;
    query[param.name] = coerceParam(param.schema, raw);
    const errors = validateJsonSchema(param.schema, query[param.name]);
    if (errors !== null) tree[param.name] = errors;
  }
  if (route.request_body !== null && (body !== undefined || route.request_body_required)) {
    const errors = validateJsonSchema(route.request_body, body ?? {});
    if (errors !== null) Object.assign(tree, errors);
  }
  return { query, errors: Object.keys(tree).length > 0 ? tree : null };
}
