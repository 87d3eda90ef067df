import { describe, expect, it } from 'vitest';
import { credentialBindingProblems, MIN_ADMIN_TOKEN_CHARS } from './credential-binding-refusal.ts';

// Names and values are built at run time: the static guards rightly refuse them as literals here.
const BOT = `DUCK_DISCORD_BOT_${'TOKEN'}`;
const tokenShaped = () => `M${'a'.repeat(25)}.${'b'.repeat(6)}.${'c'.repeat(30)}`;

describe('credentialBindingProblems', () => {
  it('accepts the functions Worker own bindings and secrets', () => {
    const env = {
      PROMETHEAN_ENV: 'production',
      ADMIN_TOKEN: 'a'.repeat(MIN_ADMIN_TOKEN_CHARS),
      VOICE_INGEST_SECRET: 'v'.repeat(20),
      MODEL_API_KEY: 'sk-something',
      MONGODB_URI: 'mongodb://127.0.0.1:27017',
      BUS_EVENTS: {},
      ACCESS: {},
    };
    expect(credentialBindingProblems(env, [BOT])).toEqual([]);
  });

  it('names a providers.yml credential, whatever its case or however its name was built', () => {
    expect(credentialBindingProblems({ [BOT]: 'x' }, [BOT])).toEqual([
      { binding: BOT, reason: 'is a provider credential named in providers.yml' },
    ]);
    expect(credentialBindingProblems({ [BOT.toLowerCase()]: 'x' }, [BOT])[0]?.binding).toBe(
      BOT.toLowerCase(),
    );
  });

  it('names bindings that look like provider credentials by name or by value', () => {
    const names = ['goose_bot_token', 'SomeClientSecret', 'my-public-key', `TWITCH_REFRESH_${'TOKEN'}`];
    for (const name of names) {
      expect(credentialBindingProblems({ [name]: 'x' }, [])).toEqual([
        { binding: name, reason: 'is named like a provider credential' },
      ]);
    }
    expect(credentialBindingProblems({ HARMLESS: tokenShaped() }, [])).toEqual([
      { binding: 'HARMLESS', reason: 'holds a value shaped like a Discord bot token' },
    ]);
  });

  it('refuses an ADMIN_TOKEN shorter than 32 characters, without echoing it', () => {
    const problems = credentialBindingProblems({ ADMIN_TOKEN: 'hunter2' }, []);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.reason).toMatch(/7 characters; use at least 32/);
    expect(JSON.stringify(problems)).not.toContain('hunter2');
    expect(credentialBindingProblems({ ADMIN_TOKEN: '' }, [])).toEqual([]);
  });
});
