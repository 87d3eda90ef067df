import { describe, expect, it } from 'vitest';
import {
  closeAction,
  GATEWAY_INTENTS,
  GatewayBotData,
  HelloData,
  intentBits,
  ReadyData,
  upgradeUrl,
} from './gateway-protocol.ts';
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
  it('knows every intent by its documented name and bit', () => {
    // Discord's documented intents (Gateway > Gateway Intents), spelled as providers.yml does.
    expect(GATEWAY_INTENTS).toMatchObject({
      GUILDS: 1 << 0,
      GUILD_MEMBERS: 1 << 1,
      GUILD_MODERATION: 1 << 2,
      GUILD_EXPRESSIONS: 1 << 3,
      GUILD_INTEGRATIONS: 1 << 4,
      GUILD_WEBHOOKS: 1 << 5,
      GUILD_INVITES: 1 << 6,
      GUILD_VOICE_STATES: 1 << 7,
      GUILD_PRESENCES: 1 << 8,
      GUILD_MESSAGES: 1 << 9,
      GUILD_MESSAGE_REACTIONS: 1 << 10,
      GUILD_MESSAGE_TYPING: 1 << 11,
      DIRECT_MESSAGES: 1 << 12,
      DIRECT_MESSAGE_REACTIONS: 1 << 13,
      DIRECT_MESSAGE_TYPING: 1 << 14,
      MESSAGE_CONTENT: 1 << 15,
      GUILD_SCHEDULED_EVENTS: 1 << 16,
      AUTO_MODERATION_CONFIGURATION: 1 << 20,
      AUTO_MODERATION_EXECUTION: 1 << 21,
      GUILD_MESSAGE_POLLS: 1 << 24,
      DIRECT_MESSAGE_POLLS: 1 << 25,
    });
    expect(Object.keys(GATEWAY_INTENTS).every((name) => /^[A-Z]+(_[A-Z]+)*$/.test(name))).toBe(true);
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

describe('what the gateway sends, checked before the session trusts it', () => {
  it('takes a HELLO with a heartbeat interval and refuses one without', () => {
    expect(HelloData.parse({ heartbeat_interval: 41_250 })).toEqual({ heartbeat_interval: 41_250 });
    expect(HelloData.safeParse({}).success).toBe(false);
    expect(HelloData.safeParse(undefined).success).toBe(false);
    expect(HelloData.safeParse({ heartbeat_interval: 0 }).success).toBe(false);
  });
  it('keeps what READY must carry to resume later, and refuses a READY without a session', () => {
    const ready = {
      v: 10,
      session_id: 'abc',
      resume_gateway_url: 'wss://gateway-us-east1-b.discord.gg',
      user: { id: '900000000000000001', username: 'duck' },
      guilds: [],
    };
    expect(ReadyData.parse(ready)).toEqual({
      session_id: 'abc',
      resume_gateway_url: 'wss://gateway-us-east1-b.discord.gg',
      user: { id: '900000000000000001' },
    });
    expect(ReadyData.safeParse({ ...ready, session_id: '' }).success).toBe(false);
    expect(ReadyData.safeParse({ session_id: 'abc', user: { id: '1' } }).success).toBe(false);
  });
  it('reads GET /gateway/bot with or without its session start limit', () => {
    expect(GatewayBotData.parse({ url: 'wss://gateway.discord.gg', shards: 1 })).toEqual({
      url: 'wss://gateway.discord.gg',
    });
    const limited = {
      url: 'wss://gateway.discord.gg',
      shards: 1,
      session_start_limit: { total: 1000, remaining: 0, reset_after: 14_400_000, max_concurrency: 1 },
    };
    expect(GatewayBotData.parse(limited).session_start_limit).toEqual({
      remaining: 0,
      reset_after: 14_400_000,
      max_concurrency: 1,
    });
    expect(GatewayBotData.safeParse({ shards: 1 }).success).toBe(false);
  });
});
