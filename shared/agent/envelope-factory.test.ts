import { defineMessage } from '@promethean/schemas/message-definition';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidMessageError } from './agent-errors.ts';
import { checkPayload, createEnvelope } from './envelope-factory.ts';

/** A definition whose schema counts how often it runs. */
function countingDefinition(intent: string) {
  const runs = { n: 0 };
  const def = defineMessage({
    intent,
    area: 'events',
    description: 'test',
    payload: z.object({ n: z.number() }).refine(() => {
      runs.n++;
      return true;
    }),
  });
  return { def, runs };
}

const options = { src: 'test', provider: 'discord', tenant: 'duck', id: 'e1', clock: { now: () => 0 } };

describe('checkPayload', () => {
  it('lets createEnvelope wrap the checked payload without parsing it again', () => {
    const { def, runs } = countingDefinition('test.checked');
    const checked = checkPayload(def, { n: 1 });
    expect(checked.success).toBe(true);
    expect(runs.n).toBe(1);
    const env = createEnvelope(def, checked.data as { n: number }, options);
    expect(runs.n).toBe(1);
    expect(env.payload).toEqual({ n: 1 });
  });

  it('still parses a payload it did not check, or checked against another schema', () => {
    const { def, runs } = countingDefinition('test.unchecked');
    const other = countingDefinition('test.other');
    createEnvelope(def, { n: 2 }, options);
    expect(runs.n).toBe(1);
    const checkedElsewhere = checkPayload(other.def, { n: 3 });
    createEnvelope(def, checkedElsewhere.data as { n: number }, options);
    expect(runs.n).toBe(2);
  });

  it('reports an invalid payload as zod does and remembers nothing', () => {
    const { def } = countingDefinition('test.invalid');
    const checked = checkPayload(def, { n: 'x' });
    expect(checked.success).toBe(false);
    expect(() => createEnvelope(def, { n: 'x' } as unknown as { n: number }, options)).toThrow(
      InvalidMessageError,
    );
  });
});
