/**
 * The OpenAPI description rules for documents models will read as tools, as a Spectral ruleset (Spectral's
 * own `oas` recommended rules plus ours): every operation has an operationId and a summary of at most 200
 * characters that starts with a verb, every parameter is described, and no two operations share a tool name.
 */
import { normalizeToolName } from '@promethean/shared/openapi-tools/tool-names';
// Spectral ships CommonJS: Node's ESM loader sees only its default export.
import spectralCore, { type ISpectralDiagnostic, type RulesetDefinition } from '@stoplight/spectral-core';
import spectralFunctions from '@stoplight/spectral-functions';
import spectralParsers from '@stoplight/spectral-parsers';
import spectralRulesets from '@stoplight/spectral-rulesets';

const { Document, Spectral } = spectralCore;
const { length, truthy } = spectralFunctions;
const { Json } = spectralParsers;
const { oas } = spectralRulesets;

/** Verbs a summary may start with; a new operation whose verb is missing adds it here, deliberately. */
export const SUMMARY_VERBS = [
  'Add',
  'Cancel',
  'Count',
  'Create',
  'Delete',
  'Describe',
  'Fetch',
  'Find',
  'Get',
  'List',
  'Read',
  'Remove',
  'Rename',
  'Replace',
  'Search',
  'Send',
  'Set',
  'Start',
  'Stop',
  'Summarize',
  'Update',
];

const OPERATIONS = '$.paths[*][get,put,post,delete,options,head,patch,trace]';

function startsWithVerb(summary: unknown) {
  if (typeof summary !== 'string') return [];
  const first = summary.split(/\s/, 1)[0] ?? '';
  return SUMMARY_VERBS.includes(first)
    ? []
    : [
        {
          message: `summary must start with a verb (${SUMMARY_VERBS.join(', ')}); it starts with "${first}"`,
        },
      ];
}

function uniqueToolNames(paths: unknown) {
  const seen = new Map<string, string>();
  const problems: Array<{ message: string; path: Array<string | number> }> = [];
  for (const [path, item] of Object.entries((paths ?? {}) as Record<string, Record<string, unknown>>)) {
    for (const [method, op] of Object.entries(item ?? {})) {
      const id = (op as { operationId?: unknown } | null)?.operationId;
      if (typeof id !== 'string') continue;
      const name = normalizeToolName(id);
      const other = seen.get(name);
      if (other !== undefined)
        problems.push({
          message: `operationId "${id}" becomes tool "${name}", as ${other} does`,
          path: ['paths', path, method, 'operationId'],
        });
      else seen.set(name, `${method.toUpperCase()} ${path}`);
    }
  }
  return problems;
}

/** One error-severity rule; Spectral calls a rule's action `then`, which is why it is built here, once. */
function rule(given: string | string[], action: Record<string, unknown>) {
  // biome-ignore lint/suspicious/noThenProperty: Spectral's rule format names the action "then".
  return { given, severity: 'error', then: action };
}

export const descriptionRuleset = {
  extends: [[oas, 'recommended']],
  rules: {
    'operation-operationId': rule(OPERATIONS, { field: 'operationId', function: truthy }),
    'operation-summary-present': rule(OPERATIONS, { field: 'summary', function: truthy }),
    'operation-summary-length': rule(OPERATIONS, {
      field: 'summary',
      function: length,
      functionOptions: { max: 200 },
    }),
    'operation-summary-verb': rule(OPERATIONS, { field: 'summary', function: startsWithVerb }),
    'parameter-description': rule(['$.paths[*].parameters[*]', `${OPERATIONS}.parameters[*]`], {
      field: 'description',
      function: truthy,
    }),
    'tool-names-unambiguous': rule('$.paths', { function: uniqueToolNames }),
  },
};

/** Spectral's findings for one document, errors and warnings alike. */
export async function lintOpenApi(doc: unknown): Promise<ISpectralDiagnostic[]> {
  const spectral = new Spectral();
  spectral.setRuleset(descriptionRuleset as unknown as RulesetDefinition);
  return spectral.run(new Document(JSON.stringify(doc), Json, 'openapi.json'));
}
