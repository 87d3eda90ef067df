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

  it('checks the VAD settings together', () => {
    expect(() =>
      loadHostConfig({ VOICE_HOST_SECRET: 's'.repeat(16), VAD_START_DB: '-60', VAD_STOP_DB: '-50' }),
    ).toThrow(/stop_threshold_db must not exceed/);
    expect(() =>
      loadHostConfig({ VOICE_HOST_SECRET: 's'.repeat(16), VAD_HANGOVER_MS: '2000', MAX_GAP_FILL_MS: '500' }),
    ).toThrow(/MAX_GAP_FILL_MS/);
  });
});
