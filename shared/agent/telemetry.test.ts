import { describe, expect, it } from 'vitest';
import { consoleSink, logLevelFor } from './telemetry.ts';

describe('log levels', () => {
  it('uses LOG_LEVEL when it names a level, else info in development and warn elsewhere', () => {
    expect(logLevelFor({ LOG_LEVEL: 'error', PROMETHEAN_ENV: 'development' })).toBe('error');
    expect(logLevelFor({ LOG_LEVEL: ' debug ' })).toBe('debug');
    expect(logLevelFor({ PROMETHEAN_ENV: 'development' })).toBe('info');
    expect(logLevelFor({ PROMETHEAN_ENV: 'production', LOG_LEVEL: '' })).toBe('warn');
    expect(logLevelFor({ PROMETHEAN_ENV: 'development', LOG_LEVEL: 'loud' })).toBe('info');
  });

  it('drops records below the floor', () => {
    const lines: string[] = [];
    const original = console.log;
    console.log = (line: string) => void lines.push(line);
    try {
      const sink = consoleSink('warn');
      sink.write({ level: 'info', msg: 'quiet', runtime_id: 'r', agent: 'a' } as never);
      expect(lines).toEqual([]);
    } finally {
      console.log = original;
    }
  });
});
