/** The dead-letter CLI's client against the real functions Worker in workerd: list, show, replay, purge. */
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import { describe, expect, it } from 'vitest';
import { app } from '../../../functions/src/http-app.ts';
import worker from '../../../functions/src/index.ts';
import { parseDlqArgs, runDlq } from '../../../scripts/dlq/dlq-client.ts';

const ADMIN = 'cli-test-admin-token-0123456789abcdef0123456789';
const adminEnv = { ...env, ADMIN_TOKEN: ADMIN } as FunctionsEnv;
const client = {
  url: 'http://functions.test',
  token: ADMIN,
  fetch: (url: string, init: RequestInit) => Promise.resolve(app.fetch(new Request(url, init), adminEnv)),
};
const run = (command: string, options: Record<string, string | boolean>) =>
  runDlq(parseDlqArgs(command, options), client);

describe('npm run dlq (client) against the Worker', () => {
  it('lists in a table, shows one letter, replays it once and purges it', async () => {
    const envelope = createEnvelope(
      SocialMessageCreated,
      {
        urn: 'urn:echo:message:cli:cli-1',
        foreign_id: 'cli-1',
        channel: { urn: 'urn:echo:channel:cli:general', foreign_id: 'general' },
        author: { urn: 'urn:echo:user:cli:ada', foreign_id: 'ada' },
        content: 'cli',
        created_at: '2026-11-20T10:00:00.000Z',
      },
      { src: 'test', provider: 'echo', tenant: 'cli' },
    );
    const batch = createMessageBatch('promethean-dead-letters', [
      {
        id: 'cli-letter',
        timestamp: new Date('2026-11-20T10:00:00Z'),
        attempts: 101,
        body: { v: 1, envelope, target: 'message-indexer' },
      },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(['cli-letter']);

    const listed = await run('list', { tenant: 'echo/cli' });
    expect(listed).toMatch(
      /^echo\/cli: 1 waiting, 1 held \(showing 1\)\nID +DEAD-LETTERED AT +REASON +AGENT/,
    );
    expect(listed).toContain('platform_max_retries');
    const id = /(dl_[0-9a-f]{20})/.exec(listed)![1]!;
    const shown = await run('show', { tenant: 'echo/cli', id });
    expect(shown).toContain('message-indexer');
    expect(shown).toContain('"intent": "SocialMessageCreated"');
    expect(await run('replay', { tenant: 'echo/cli', id })).toMatch(
      new RegExp(`^replayed ${id} to promethean-events`),
    );
    expect(await run('replay', { tenant: 'echo/cli', id })).toMatch(
      /was already replayed at .*; nothing sent/,
    );
    expect(await run('purge', { tenant: 'echo/cli', id })).toBe(
      'purged 1 letter from echo/cli; 0 held, 0 waiting',
    );
    await expect(run('show', { tenant: 'echo/cli', id })).rejects.toThrow(/HTTP 404: no dead letter/);
  });

  it('fails with the Worker’s message when the token is wrong', async () => {
    const wrong = { ...client, token: 'nope' };
    await expect(runDlq(parseDlqArgs('list', { tenant: 'echo/cli' }), wrong)).rejects.toThrow(/HTTP 401/);
  });
});
