import { describe, expect, it } from 'vitest';
import { checkArguments } from './argument-validator.ts';

const schema = {
  type: 'object',
  properties: { q: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1, maximum: 20 } },
  required: ['q'],
  additionalProperties: false,
};

describe('checkArguments', () => {
  it('accepts a JSON string or an object that fits', () => {
    expect(checkArguments(schema, '{"q":"pythagoras","limit":3}')).toEqual({
      ok: true,
      value: { q: 'pythagoras', limit: 3 },
    });
    expect(checkArguments(schema, { q: 'x' })).toEqual({ ok: true, value: { q: 'x' } });
  });

  it('names each problem in one short line', () => {
    const bad = checkArguments(schema, { limit: 99, extra: true });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error).toMatch(/^invalid arguments: /);
    expect(bad.error).toContain('q');
    expect(bad.error.length).toBeLessThan(400);
  });

  it('refuses arguments that are not a JSON object', () => {
    expect(checkArguments(schema, '{not json')).toEqual({ ok: false, error: 'arguments are not valid JSON' });
    expect(checkArguments(schema, '[1]')).toEqual({ ok: false, error: 'arguments must be a JSON object' });
    expect(checkArguments({ type: 'object', properties: {} }, '')).toEqual({ ok: true, value: {} });
  });
});
