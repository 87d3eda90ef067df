import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../agent/agent-errors.ts';
import {
  InvalidNumberVarError,
  type NumberVarSpec,
  numberVarOrFallback,
  parseNumberVar,
} from './number-var.ts';

const LANES: NumberVarSpec = { name: 'LANES', fallback: 8, min: 1, max: 64, integer: true };
const WINDOW: NumberVarSpec = { name: 'WINDOW_MS', fallback: 0, min: 0, max: 1_000 };

describe('parseNumberVar', () => {
  it('uses the fallback when the variable is unset or empty', () => {
    expect(parseNumberVar(LANES, undefined)).toBe(8);
    expect(parseNumberVar(LANES, null)).toBe(8);
    expect(parseNumberVar(LANES, '')).toBe(8);
    expect(parseNumberVar(LANES, '   ')).toBe(8);
  });

  it('reads strings (wrangler vars) and numbers (test bindings), bounds included', () => {
    expect(parseNumberVar(LANES, '32')).toBe(32);
    expect(parseNumberVar(LANES, ' 1 ')).toBe(1);
    expect(parseNumberVar(LANES, 64)).toBe(64);
    expect(parseNumberVar(WINDOW, '0')).toBe(0);
    expect(parseNumberVar(WINDOW, '12.5')).toBe(12.5);
  });

  it.each([
    ['0', LANES],
    ['65', LANES],
    ['2.5', LANES],
    ['-1', WINDOW],
    ['1001', WINDOW],
    ['ten', WINDOW],
    ['Infinity', WINDOW],
    [true, WINDOW],
  ])('refuses %j, naming the variable and what it accepts', (raw, spec) => {
    let caught: unknown;
    try {
      parseNumberVar(spec, raw, { tenant: 'discord/t1' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidNumberVarError);
    expect(caught).toBeInstanceOf(ConfigurationError);
    const error = caught as InvalidNumberVarError;
    expect(error.variable).toBe(spec.name);
    expect(error.value).toBe(raw);
    expect(error.message).toContain(spec.name);
    expect(error.message).toContain(`from ${spec.min} to ${spec.max}`);
    expect(error.message).toContain('tenant=discord/t1');
  });
});

describe('numberVarOrFallback', () => {
  it('reports an invalid value and uses the fallback', () => {
    const reports: InvalidNumberVarError[] = [];
    expect(numberVarOrFallback(LANES, 'lots', (e) => reports.push(e))).toBe(8);
    expect(reports.map((e) => e.variable)).toEqual(['LANES']);
  });

  it('reports nothing for valid or unset values', () => {
    const reports: InvalidNumberVarError[] = [];
    expect(numberVarOrFallback(LANES, '16', (e) => reports.push(e))).toBe(16);
    expect(numberVarOrFallback(LANES, '', (e) => reports.push(e))).toBe(8);
    expect(reports).toEqual([]);
  });
});
