import { describe, expect, it } from 'vitest';
import { jsonProblem } from './document-validation.ts';

describe('jsonProblem', () => {
  it('accepts plain JSON, undefined properties included (JSON drops them)', () => {
    expect(jsonProblem({ a: [1, 'x', null, true, { b: [] }], gone: undefined })).toBeUndefined();
  });

  it('names the path to the first value JSON cannot carry', () => {
    expect(jsonProblem({ a: [1, [2, NaN]] })).toBe('value.a[1][1]: NaN is not JSON');
    expect(jsonProblem([{ x: Infinity }], 'slots.text.value')).toBe(
      'slots.text.value[0].x: Infinity is not JSON',
    );
    expect(jsonProblem({ a: [1, undefined] })).toBe('value.a[1]: undefined is not JSON');
    expect(jsonProblem({ when: new Date(0) })).toBe('value.when: a Date is not JSON');
    expect(jsonProblem(Object.create(null))).toBe('value: a object is not JSON');
    expect(jsonProblem({ f: () => 1 })).toBe('value.f: a function is not JSON');
  });

  it('refuses nesting deeper than 64 levels', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(jsonProblem(deep)).toBe(`value${'[0]'.repeat(65)}: nested deeper than 64 levels`);
  });
});
