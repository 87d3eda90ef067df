/**
 * An input filter (`when` in agent.yml) may only drop deliveries its handler would have done nothing
 * with: every golden case of a filtered agent that the filter refuses must expect an `ok` with nothing
 * published and no effect asked for. Each filtered agent must have at least one such case, so the check
 * cannot pass by never refusing anything.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTypedEnvelope } from '@promethean/shared/agent/envelope-factory';
import { hasInputFilter, inputAdmits } from '@promethean/shared/agent/input-filter';
import { type GoldenInput, type GoldenOutput, goldenCases } from '@promethean/test/harness/golden-harness';
import { describe, expect, it } from 'vitest';
import { FUNCTION_AGENTS } from '../../functions/src/agents.ts';

const AGENTS_DIR = join(import.meta.dirname, '..', '..', 'functions', 'agents');
const filtered = FUNCTION_AGENTS.filter((a) => hasInputFilter(a.manifest));

/** The cases of the agent's goldens its input filter refuses, with their expected outputs. */
function refusedCases(id: string): Array<{ name: string; expected: GoldenOutput }> {
  const dir = join(AGENTS_DIR, id);
  const agent = filtered.find((a) => a.manifest.id === id)!;
  return goldenCases(dir).flatMap((name) => {
    const input = JSON.parse(
      readFileSync(join(dir, 'fixtures', 'in', `${name}.json`), 'utf8'),
    ) as GoldenInput;
    let parsed: ReturnType<typeof parseTypedEnvelope>;
    try {
      parsed = parseTypedEnvelope(input.envelope);
    } catch {
      return []; // the router hands an unparsable payload to every subscriber, filter or not
    }
    if (inputAdmits(agent.manifest, parsed, parsed.payload)) return [];
    const out = join(dir, 'fixtures', 'out', `${name}.json`);
    return [{ name, expected: JSON.parse(readFileSync(out, 'utf8')) as GoldenOutput }];
  });
}

describe('input filters against the agents’ goldens', () => {
  it('covers the agents that declare a filter', () => {
    expect(filtered.map((a) => a.manifest.id).sort()).toEqual(['attachment-indexer', 'cephalon']);
  });

  it.each(filtered.map((a) => a.manifest.id))('%s: a refused case is one its handler ignores', (id) => {
    const refused = refusedCases(id);
    expect(refused.length).toBeGreaterThan(0);
    for (const { name, expected } of refused) {
      expect({
        name,
        outcome: expected.outcome,
        published: expected.published,
        policy: expected.policy,
      }).toEqual({ name, outcome: 'ok', published: [], policy: [] });
    }
  });

  it('refuses exactly the cephalon and attachment-indexer cases that are not for them', () => {
    expect(refusedCases('cephalon').map((c) => c.name)).toEqual([
      'not-addressed-ignored',
      'other-bot-ignored',
    ]);
    expect(refusedCases('attachment-indexer').map((c) => c.name)).toEqual(['no-attachments']);
  });
});
