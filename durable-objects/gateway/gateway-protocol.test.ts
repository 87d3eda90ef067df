import { describe, expect, it } from 'vitest';
import { closeAction, GATEWAY_INTENTS, intentBits, upgradeUrl } from './gateway-protocol.ts';
import { SendLimiter } from './send-limiter.ts';

describe('closeAction', () => {
  it.each([4004, 4010, 4011, 4012, 4013, 4014])('stops for good on %i', (code) => {
    const a = closeAction(code);
    expect(a.action).toBe('stop');
    expect(a.reason).toContain(String(code));
  });
  it.each([4007, 4009])('starts a new session on %i', (code) =>
    expect(closeAction(code).action).toBe('reidentify'),
  );
  it.each([1000, 1006, 4000, 4001, 4002, 4003, 4005, 4008, 4900])('resumes after %i', (code) =>
    expect(closeAction(code).action).toBe('resume'),
  );
  it('explains 4014 in terms an operator can act on', () => {
    expect(closeAction(4014).reason).toMatch(/privileged intents/);
  });
});

describe('intentBits', () => {
  it('adds up named intents', () => {
    expect(intentBits(['GUILDS', 'GUILD_MESSAGES', 'MESSAGE_CONTENT'])).toBe(1 | 512 | 32768);
    expect(GATEWAY_INTENTS.GUILD_VOICE_STATES).toBe(128);
  });
  it('names every unknown intent', () => {
    expect(() => intentBits(['GUILDS', 'GUILD_MESAGES', 'NOPE'])).toThrow(/GUILD_MESAGES, NOPE/);
  });
});

describe('upgradeUrl', () => {
  it('turns a gateway URL into the HTTP upgrade URL with version and encoding', () => {
    expect(upgradeUrl('wss://gateway.discord.gg')).toBe('https://gateway.discord.gg/?v=10&encoding=json');
    expect(upgradeUrl('ws://127.0.0.1:9000/gateway')).toBe(
      'http://127.0.0.1:9000/gateway?v=10&encoding=json',
    );
  });
});

describe('SendLimiter', () => {
  it('keeps ordinary sends under the limit minus the heartbeat reserve', () => {
    const l = new SendLimiter(10, 60_000, 2);
    for (let i = 0; i < 8; i++) expect(l.tryTake(0)).toBe(true);
    expect(l.tryTake(0)).toBe(false);
    expect(l.tryTake(0, true)).toBe(true);
    expect(l.tryTake(0, true)).toBe(true);
    expect(l.tryTake(0, true)).toBe(false);
  });
  it('frees room as the window slides', () => {
    const l = new SendLimiter(3, 60_000, 0);
    for (let i = 0; i < 3; i++) l.tryTake(i * 1000);
    expect(l.waitMs(2000)).toBe(58_000);
    expect(l.tryTake(60_000)).toBe(true);
  });
});
