/**
 * Tool names from OpenAPI operations. Models and providers accept `^[a-zA-Z0-9_-]{1,64}$`; we go further
 * and use snake_case, so `getMessage`, `get-message` and `get_message` all become `get_message` — which
 * is also why two operations whose names normalize alike are ambiguous and must not both become tools.
 */

/** The largest tool name OpenAI-compatible APIs accept. */
export const TOOL_NAME_MAX = 64;

/** snake_case of an operationId (or of method + path when an operation has none). */
export function normalizeToolName(raw: string): string {
  const snake = raw
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  return snake.slice(0, TOOL_NAME_MAX).replace(/_+$/, '');
}
