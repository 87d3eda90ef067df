import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findDefinition } from '@promethean/schemas/catalog';
import { describe, expect, it } from 'vitest';
import { allowedByList, type NormalizeContext, normalizeDispatch } from './normalize.ts';

const dir = join(import.meta.dirname, 'fixtures');
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.in.json'))
  .map((f) => f.slice(0, -'.in.json'.length));

describe('Discord normalizer golden fixtures', () => {
  it.each(cases)('%s', (name) => {
    const input = JSON.parse(readFileSync(join(dir, `${name}.in.json`), 'utf8')) as {
      ctx: NormalizeContext;
      type: string;
      data: unknown;
    };
    const actual = normalizeDispatch(input.type, input.data, input.ctx) ?? null;
    if (actual) expect(findDefinition(actual.intent)!.payload.safeParse(actual.payload).success).toBe(true);
    const outPath = join(dir, `${name}.out.json`);
    if (!existsSync(outPath) || process.env.UPDATE_GOLDEN === '1') {
      if (process.env.CI) throw new Error(`missing golden output ${outPath}`);
      writeFileSync(outPath, `${JSON.stringify(actual, null, 2)}\n`);
    }
    expect(JSON.parse(JSON.stringify(actual))).toEqual(JSON.parse(readFileSync(outPath, 'utf8')));
  });

  it('rejects a malformed MESSAGE_CREATE with the failing path', () => {
    const ctx = { tenant: 'duck', botUserId: '1', receivedAt: '2026-11-20T10:00:00.000Z' };
    expect(() =>
      normalizeDispatch('MESSAGE_CREATE', { id: 'not-a-snowflake', channel_id: '1' }, ctx),
    ).toThrow(/id|author/);
  });
});

describe('allowedByList', () => {
  const allow = { spaces: ['10'], channels: [] };
  it('passes everything when the lists are empty', () => {
    expect(allowedByList({ guild_id: '99', channel_id: '1' }, { spaces: [], channels: [] })).toBe(true);
  });
  it('drops events from guilds and channels outside the lists', () => {
    expect(allowedByList({ guild_id: '10', channel_id: '1' }, allow)).toBe(true);
    expect(allowedByList({ guild_id: '11', channel_id: '1' }, allow)).toBe(false);
    expect(allowedByList({ channel_id: '1' }, allow)).toBe(false);
    expect(allowedByList({ guild_id: '10', channel_id: '2' }, { spaces: [], channels: ['1'] })).toBe(false);
  });
});
