import { describe, expect, it } from 'vitest';
import { DeadLetter } from '../broker/queue-body.ts';
import {
  letterId,
  PurgeRequest,
  parseScope,
  scopeKey,
  scopeOf,
  toDeadLetter,
  UNKNOWN_SCOPE,
} from './dead-letter-records.ts';

const received = { attempts: 101, timestamp: new Date('2026-11-20T10:00:00.000Z') };
const envelope = {
  id: 'e1',
  dst: 'promethean.p.discord.t.duck.commands.PostMessage',
  provider: 'discord',
  tenant: 'duck',
  intent: 'PostMessage',
};

describe('dead-letter records', () => {
  it('keep a router letter as it is', () => {
    const letter = DeadLetter.parse({
      v: 1,
      queue: 'promethean-events',
      reason: 'handler_failed',
      error: 'x',
      attempts: 1,
      dead_lettered_at: '2026-11-20T10:00:00.000Z',
      body: { v: 1, envelope },
      provider: 'discord',
      tenant: 'duck',
    });
    expect(toDeadLetter(letter, received)).toEqual(letter);
  });

  it('wrap a bus message the platform moved after max_retries, finding its queue from the topic', () => {
    const letter = toDeadLetter({ v: 1, envelope, target: 'discord-rest' }, received);
    expect(letter).toMatchObject({
      queue: 'promethean-access-commands',
      target: 'discord-rest',
      reason: 'platform_max_retries',
      attempts: 101,
      dead_lettered_at: '2026-11-20T10:00:00.000Z',
      provider: 'discord',
      tenant: 'duck',
    });
    expect(scopeKey(scopeOf(letter))).toBe('discord:duck');
  });

  it('file anything unreadable under unknown, body kept', () => {
    const letter = toDeadLetter('not json at all', received);
    expect(letter).toMatchObject({ queue: 'unknown', reason: 'unreadable', body: 'not json at all' });
    expect(scopeOf(letter)).toEqual(UNKNOWN_SCOPE);
    expect(scopeKey(UNKNOWN_SCOPE)).toBe('unknown');
    expect(scopeOf({ ...letter, provider: 'Bad Name', tenant: 'duck' })).toEqual(UNKNOWN_SCOPE);
  });

  it('derive the same id for the same letter (a redelivery is stored once) and another for another', async () => {
    const a = toDeadLetter({ v: 1, envelope }, received);
    expect(await letterId(a)).toBe(await letterId(structuredClone(a)));
    expect(await letterId(a)).not.toBe(await letterId({ ...a, attempts: 2 }));
    expect(await letterId(a)).toMatch(/^dl_[0-9a-f]{20}$/);
  });

  it('parse operator scopes and purge requests, refusing vague ones', () => {
    expect(parseScope('discord/duck')).toEqual({ provider: 'discord', tenant: 'duck' });
    expect(parseScope('unknown')).toEqual(UNKNOWN_SCOPE);
    expect(() => parseScope('duck')).toThrow(/<provider>\/<tenant>/);
    expect(PurgeRequest.safeParse({ all: true }).success).toBe(true);
    expect(PurgeRequest.safeParse({ reason: 'timeout' }).success).toBe(true);
    expect(PurgeRequest.safeParse({}).success).toBe(false);
    expect(PurgeRequest.safeParse({ all: false }).success).toBe(false);
  });
});
