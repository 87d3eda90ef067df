import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { env, exports } from 'cloudflare:workers';
import { PostMessage } from '@promethean/schemas/commands/post-message';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import { describe, expect, it } from 'vitest';
import AccessWorker from '../../../durable-objects/src/index.ts';

function postCommand(tenant: string, key: string, delivery: string, content = 'quack') {
  const envelope = createEnvelope(
    PostMessage,
    { channel: { foreign_id: 'general' }, content, idempotency_key: key },
    { src: 'cephalon', provider: 'echo', tenant, corr: `corr-${key}` },
  );
  return { id: `q-${delivery}`, timestamp: new Date(), attempts: 1, body: { v: 1, envelope } };
}

describe('echo provider access layer', () => {
  it('turns scripted lines into stored messages with sortable ids', async () => {
    const res = await exports.default.fetch('http://access.test/dev/echo/demo/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        messages: [
          { author: { id: 'ada', name: 'Ada' }, content: 'hello duck' },
          { author: { id: 'bob', name: 'Bob' }, content: 'quack?', mentions_bot: true },
        ],
      }),
    });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; foreign_ids: string[] };
    expect(body.accepted).toBe(2);
    expect(Number(body.foreign_ids[1])).toBeGreaterThan(Number(body.foreign_ids[0]));
    const transcript = await (
      await exports.default.fetch('http://access.test/dev/echo/demo/transcript')
    ).json();
    expect(transcript).toMatchObject({
      messages: [{ content: 'hello duck', direction: 'in' }, { content: 'quack?' }],
    });
  });

  it('rejects invalid scripts with a 400 that names the problem, storing nothing', async () => {
    const count = async () =>
      (
        (await (await exports.default.fetch('http://access.test/dev/echo/demo/transcript')).json()) as {
          messages: unknown[];
        }
      ).messages.length;
    const before = await count();
    const res = await exports.default.fetch('http://access.test/dev/echo/demo/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ author: { id: 'Not Valid', name: '' }, content: '' }] }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /author\.id.*content|content.*author/,
    );
    expect(await count()).toBe(before);
  });

  it('answers 404 for a tenant that providers.yml does not declare', async () => {
    const res = await exports.default.fetch('http://access.test/dev/echo/ghost/transcript');
    expect(res.status).toBe(404);
  });

  it('records each PostMessage once, however often the queue redelivers it', async () => {
    const batch = createMessageBatch('promethean-access-commands', [
      postCommand('demo', 'k1', 'a', 'quack-once'),
      postCommand('demo', 'k1', 'b', 'quack-once'),
    ]);
    const ctx = createExecutionContext();
    await new AccessWorker(ctx, env).queue(batch);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks.sort()).toEqual(['q-a', 'q-b']);
    expect(result.retryMessages).toEqual([]);
    const stub = env.ECHO_CONVERSATION.get(env.ECHO_CONVERSATION.idFromName('demo'));
    const lines = await stub.transcript('general');
    const posted = lines.filter((l) => l.content === 'quack-once');
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ direction: 'out', author_id: '100' });
  });
});

describe('access Worker /health', () => {
  it('reports each access agent from its manifest, with the work this isolate has seen', async () => {
    const before = (await (await exports.default.fetch('http://access.test/health')).json()) as {
      agents: Array<{ agent: string; state: string; handled: number }>;
    };
    expect(before.agents.map((a) => a.agent).sort()).toEqual([
      'discord-gateway',
      'discord-rest',
      'discord-voice',
      'echo-access',
    ]);
    const handledBefore = before.agents.find((a) => a.agent === 'echo-access')!.handled;
    const batch = createMessageBatch('promethean-access-commands', [
      postCommand('demo', 'health-1', 'h1', 'for health'),
    ]);
    const ctx = createExecutionContext();
    await new AccessWorker(ctx, env).queue(batch);
    await getQueueResult(batch, ctx);
    const after = (await (await exports.default.fetch('http://access.test/health')).json()) as typeof before;
    const echo = after.agents.find((a) => a.agent === 'echo-access')!;
    expect(echo.state).toBe('RUNNING');
    expect(echo.handled).toBeGreaterThan(handledBefore);
  });
});
