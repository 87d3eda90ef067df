import { describe, expect, it } from 'vitest';
import { componentTelemetry, consoleSink, logLevelFor, RecordingSink, Telemetry } from './telemetry.ts';

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

describe('Telemetry', () => {
  it('builds no record for a level its sink does not accept', () => {
    const written: string[] = [];
    const sink = {
      accepts: (level: string) => level !== 'info',
      write: (r: { msg: string }) => void written.push(r.msg),
    };
    const t = new Telemetry(sink, { runtime_id: 'r', agent: 'a', provider: 'p', tenant: 't' });
    // A getter on the fields shows whether the record was built: it is read only when the fields are copied.
    let read = false;
    t.info('quiet', {
      get probe() {
        read = true;
        return 1;
      },
    });
    t.warn('loud');
    expect(read).toBe(false);
    expect(written).toEqual(['loud']);
  });

  it('writes every level to a sink that says nothing of levels', () => {
    const sink = new RecordingSink();
    new Telemetry(sink, { runtime_id: 'r', agent: 'a', provider: 'p', tenant: 't' }).log('debug', 'd');
    expect(sink.records.map((r) => r.msg)).toEqual(['d']);
  });
});

describe('component telemetry', () => {
  it('tags a component line like an agent line, with - where no provider or tenant applies', () => {
    const sink = new RecordingSink();
    componentTelemetry('queue-broker', {}, sink).error('local subscriber failed', { subscriber: 's' });
    componentTelemetry('dead-letters', { provider: 'discord', tenant: 'duck', corr: 'c1' }, sink).warn(
      'late',
    );
    expect(sink.records).toEqual([
      {
        subscriber: 's',
        runtime_id: 'queue-broker',
        agent: 'queue-broker',
        provider: '-',
        tenant: '-',
        level: 'error',
        msg: 'local subscriber failed',
      },
      {
        runtime_id: 'dead-letters',
        agent: 'dead-letters',
        provider: 'discord',
        tenant: 'duck',
        corr: 'c1',
        level: 'warn',
        msg: 'late',
      },
    ]);
  });

  it('keeps the tags when a field tries to overwrite them', () => {
    const sink = new RecordingSink();
    componentTelemetry('http', { tenant: 'duck' }, sink).info('x', { tenant: 'other', agent: 'spoof' });
    expect(sink.records[0]).toMatchObject({ tenant: 'duck', agent: 'http' });
  });
});
