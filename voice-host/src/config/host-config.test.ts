import { describe, expect, it } from 'vitest';
import { ConfigError, loadHostConfig } from './host-config.ts';

describe('loadHostConfig', () => {
  it('fills sane defaults from just the secret', () => {
    const c = loadHostConfig({ VOICE_HOST_SECRET: 's'.repeat(16) });
    expect(c.control).toEqual({ host: '127.0.0.1', port: 8790 });
    expect(c.vad.hangover_ms).toBe(400);
    expect(c.playback.interruptMode).toBe('stop');
    expect(c.access).toEqual({ controlUrl: undefined, relayUrl: undefined });
  });

  it('names every problem without echoing values', () => {
    try {
      loadHostConfig({
        VOICE_HOST_SECRET: 'short',
        ACCESS_CONTROL_URL: 'http://x',
        VAD_START_DB: '-60',
        VAD_STOP_DB: '-50',
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems;
      expect(problems[0]).toMatch(/^VOICE_HOST_SECRET: .*at least 16/);
      expect(problems[1]).toMatch(/^ACCESS_CONTROL_URL:/);
      expect((e as Error).message).not.toContain('short');
    }
  });

  it('requires TLS for every URL that carries the secret or audio, except on loopback', () => {
    const base = { VOICE_HOST_SECRET: 's'.repeat(16) };
    expect(() =>
      loadHostConfig({
        ...base,
        ACCESS_CONTROL_URL: 'ws://127.0.0.1:8787/voice-host/connect',
        ACCESS_RELAY_URL: 'http://localhost:8787/voice-host/relay',
        SEGMENT_INGEST_URL: 'https://functions.example.com/voice/segments',
        PLAYBACK_FETCH_ORIGINS: 'http://127.0.0.1:8787,https://functions.example.com',
      }),
    ).not.toThrow();
    try {
      loadHostConfig({
        ...base,
        ACCESS_CONTROL_URL: 'ws://access.example.com/voice-host/connect',
        ACCESS_RELAY_URL: 'http://access.example.com/voice-host/relay',
        SEGMENT_INGEST_URL: 'http://10.1.2.3/voice/segments',
        PLAYBACK_FETCH_ORIGINS: 'http://functions.example.com',
      });
      expect.unreachable();
    } catch (e) {
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toMatch(/ACCESS_CONTROL_URL: must use wss/);
      expect(problems).toMatch(/ACCESS_RELAY_URL: must use https/);
      expect(problems).toMatch(/SEGMENT_INGEST_URL: must use https/);
      expect(problems).toMatch(/PLAYBACK_FETCH_ORIGINS: http:\/\/functions.example.com must use https/);
    }
  });

  it('checks the VAD settings together', () => {
    expect(() =>
      loadHostConfig({ VOICE_HOST_SECRET: 's'.repeat(16), VAD_START_DB: '-60', VAD_STOP_DB: '-50' }),
    ).toThrow(/stop_threshold_db must not exceed/);
    expect(() =>
      loadHostConfig({ VOICE_HOST_SECRET: 's'.repeat(16), VAD_HANGOVER_MS: '2000', MAX_GAP_FILL_MS: '500' }),
    ).toThrow(/MAX_GAP_FILL_MS/);
  });
});
