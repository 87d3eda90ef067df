/** Reads `agent.yml`: validates it against the manifest schema and the schema catalog. */
import { findDefinition } from '@promethean/schemas/catalog';
import { AgentManifest } from '@promethean/schemas/manifest';
import { parse } from 'yaml';
import { assertPattern, topicMatches } from '../platform/topics.ts';
import { filterProblem } from './input-filter.ts';

/** An `agent.yml` that cannot be used; the message names the file and the first problem. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
  constructor(
    readonly source: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${reason}`, options);
  }
}

function checkPorts(source: string, m: AgentManifest): void {
  for (const [side, ports] of [
    ['inputs', m.inputs],
    ['outputs', m.outputs],
  ] as const) {
    ports.forEach((port, i) => {
      const def = findDefinition(port.schema);
      if (!def)
        throw new ManifestError(source, `${side}[${i}].schema "${port.schema}" is not in the schema catalog`);
      try {
        assertPattern(port.topic);
      } catch (e) {
        throw new ManifestError(source, `${side}[${i}].topic: ${(e as Error).message}`, { cause: e });
      }
      const example = `promethean.p.x.t.x.${def.area}.${def.topicName}`;
      const shape = port.topic
        .split('.')
        .map((s, idx) => (idx === 2 || idx === 4 ? '*' : s))
        .join('.');
      if (!topicMatches(shape, example)) {
        throw new ManifestError(
          source,
          `${side}[${i}] topic ${port.topic} cannot carry ${def.intent} (${def.area}.${def.topicName})`,
        );
      }
    });
  }
  m.inputs.forEach((input, i) => {
    const problem = filterProblem(input);
    if (problem) throw new ManifestError(source, `inputs[${i}].when: ${problem}`);
  });
}

/** Parses and validates manifest text; `source` names the file in errors. */
export function loadManifest(text: string, source: string): AgentManifest {
  let raw: unknown;
  try {
    raw = parse(text, { uniqueKeys: true });
  } catch (e) {
    throw new ManifestError(source, `not valid YAML: ${(e as Error).message}`, { cause: e });
  }
  const r = AgentManifest.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new ManifestError(source, `${i.path.join('.') || '(root)'}: ${i.message}`, { cause: r.error });
  }
  checkPorts(source, r.data);
  return Object.freeze(r.data);
}

/** Whether the manifest binds the given provider and tenant (`*` binds all). */
export function bindsTenant(m: AgentManifest, provider: string, tenant: string): boolean {
  const has = (list: readonly string[], v: string) => list.includes('*') || list.includes(v);
  return has(m.binds.providers, provider) && has(m.binds.tenants, tenant);
}
