/**
 * Signed interactions through the access Worker's real RPC, Durable Objects and queue consumer,
 * against the fake Discord: verification, the replay guard, deferral, the token hand-off, answers
 * editing the deferred response, the echo transcript, command registration, and where tokens go.
 */
import {
  createExecutionContext,
  createMessageBatch,
  getQueueResult,
  runInDurableObject,
  waitOnExecutionContext,
} from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { PostMessage } from '@promethean/schemas/commands/post-message';
import type { Envelope } from '@promethean/schemas/envelope';
import { createEnvelope } from '@promethean/shared/agent/envelope-factory';
import type { QueueBody } from '@promethean/shared/broker/queue-body';
import type { CommandSyncReport, InteractionReply } from '@promethean/shared/platform/interaction-intake';
import { afterEach, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import AccessWorker from '../../../durable-objects/src/index.ts';
import { signInteraction } from '../../../scripts/dev/interaction-signer.ts';
import { commandInteraction } from '../../interactions/discord-interaction-payloads.ts';
import { FAKE_APPLICATIONS } from './fake-bot-credentials.ts';
import { fakeDiscord } from './fake-discord-client.ts';

/** A queue producer that keeps what was sent; `gate` holds every send until released. */
class CapturingQueue {
  readonly sent: QueueBody[] = [];
  gate: Promise<void> = Promise.resolve();
  async send(body: QueueBody) {
    await this.gate;
    this.sent.push(structuredClone(body));
  }
  async sendBatch(messages: Iterable<MessageSendRequest<QueueBody>>) {
    await this.gate;
    for (const m of messages) this.sent.push(structuredClone(m.body));
  }
  envelopes(): Envelope[] {
    return this.sent.map((b) => (b as { envelope: Envelope }).envelope);
  }
}

function worker(queue = new CapturingQueue()) {
  const ctx = createExecutionContext();
  const w = new AccessWorker(ctx, { ...env, BUS_EVENTS: queue as unknown as Queue } as AccessEnv);
  return { w, ctx, queue };
}

async function deliver(
  provider: 'discord' | 'echo',
  tenant: string,
  interaction: unknown,
  queue?: CapturingQueue,
  extra: { request_id?: string; answer_by?: number } = {},
) {
  const keys = inject('interactionKeys')[provider === 'discord' ? 'duck' : 'demo'];
  const body = JSON.stringify(interaction);
  const signed = await signInteraction(keys, body);
  const { w, ctx, queue: q } = worker(queue);
  const reply = (await w.acceptInteraction({
    provider,
    tenant,
    signature: signed.signature,
    timestamp: signed.timestamp,
    body: new TextEncoder().encode(body),
    received_at: Date.now(),
    ...extra,
  })) as InteractionReply;
  return { reply, done: waitOnExecutionContext(ctx), queue: q };
}

/** Runs PostMessage commands through the access queue consumer, as the answering worker's output would be. */
async function answer(provider: string, tenant: string, payload: Record<string, unknown>) {
  const envelope = createEnvelope(PostMessage, payload as never, { src: 'test-answerer', provider, tenant });
  const batch = createMessageBatch('promethean-access-commands', [
    { id: `q-${envelope.id}`, timestamp: new Date(), attempts: 1, body: { v: 1, envelope } },
  ]);
  const ctx = createExecutionContext();
  await new AccessWorker(ctx, env).queue(batch);
  return getQueueResult(batch, ctx);
}

let logged: string[] = [];
beforeEach(async () => {
  await fakeDiscord.reset();
  logged = [];
  for (const level of ['log', 'warn', 'error', 'info', 'debug'] as const)
    vi.spyOn(console, level).mockImplementation(
      (...args: unknown[]) => void logged.push(args.map(String).join(' ')),
    );
});
afterEach(() => vi.restoreAllMocks());

describe('Discord interactions through the access Worker', () => {
  it('defers /ask, holds the token in RestBuckets, publishes only the URN; the answer replaces the placeholder', async () => {
    const interaction = commandInteraction({
      name: 'ask',
      options: [{ name: 'question', type: 3, value: 'what is a duck?' }],
      applicationId: FAKE_APPLICATIONS.duck,
    });
    const { reply, done, queue } = await deliver('discord', 'duck', interaction);
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 200, body: { type: 5 } });
    await done;
    const [event] = queue.envelopes();
    const urn = `urn:discord:interaction:duck:${interaction.id}`;
    expect(event).toMatchObject({
      intent: 'interaction.ask',
      id: `interaction:${urn}`,
      payload: { interaction_urn: urn, question: 'what is a duck?' },
    });
    // Discord records our type-5 answer as the interaction's callback; the fake learns it the same way.
    const callback = await fetch(
      `${inject('fakeDiscord').restUrl}/interactions/${interaction.id}/${interaction.token}/callback`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 5 }),
      },
    );
    expect(callback.status).toBe(204);
    const result = await answer('discord', 'duck', {
      channel: { foreign_id: '700000000000000001' },
      content: 'A duck is a waterbird. (answered offline)',
      idempotency_key: `answer:${urn}`,
      interaction_urn: urn,
    });
    expect(result.retryMessages).toEqual([]);
    const webhookCalls = (await fakeDiscord.requests()).filter((r) => r.path.startsWith('/webhooks/'));
    expect(webhookCalls.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      `PATCH /webhooks/${FAKE_APPLICATIONS.duck}/${interaction.token}/messages/@original 200`,
    ]);
    // The token reached Discord only from RestBuckets: not the bus, not a log line, not the receipts store.
    expect(JSON.stringify(queue.sent)).not.toContain(interaction.token);
    expect(logged.join('\n')).not.toContain(interaction.token);
    const receipts = env.INTERACTION_RECEIPTS.get(env.INTERACTION_RECEIPTS.idFromName('discord:duck'));
    const stored = await runInDurableObject(receipts, (_o, state) =>
      JSON.stringify(state.storage.sql.exec('SELECT * FROM receipts').toArray()),
    );
    expect(stored).toContain(interaction.id);
    expect(stored).not.toContain(interaction.token);
  });

  it('refuses a replay through the InteractionReceipts Durable Object', async () => {
    const interaction = commandInteraction({ name: 'status', applicationId: FAKE_APPLICATIONS.duck });
    const first = await deliver('discord', 'duck', interaction);
    await first.done;
    const again = await deliver('discord', 'duck', interaction);
    await again.done;
    expect(first.reply.status).toBe(200);
    expect(again.reply).toMatchObject({ status: 401, body: { error: 'replayed' } });
    expect(again.queue.sent).toEqual([]);
  });

  it('answers before a slow queue has taken the event', async () => {
    const queue = new CapturingQueue();
    let release: () => void = () => {};
    queue.gate = new Promise((r) => {
      release = r;
    });
    const started = Date.now();
    const { reply, done } = await deliver('discord', 'duck', commandInteraction({ name: 'status' }), queue);
    expect(reply.body).toEqual({ type: 5, data: { flags: 64 } });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(queue.sent).toEqual([]);
    release();
    await done;
    expect(queue.envelopes().map((e) => e.intent)).toEqual(['interaction.status']);
  });
});

describe('echo interactions', () => {
  const transcript = () =>
    env.ECHO_CONVERSATION.get(env.ECHO_CONVERSATION.idFromName('demo')).transcript('general');

  it('records the command and a placeholder, which the answer replaces; follow-ups add lines', async () => {
    const id = `search-${Date.now()}`;
    const { reply, done, queue } = await deliver('echo', 'demo', {
      type: 'command',
      id,
      command: 'search',
      options: { query: 'ducks', limit: 2 },
      user: { id: 'ada', name: 'Ada' },
    });
    expect({ status: reply.status, body: reply.body }).toEqual({
      status: 200,
      body: { type: 'deferred', ephemeral: true },
    });
    await done;
    const urn = `urn:echo:interaction:demo:${id}`;
    expect(queue.envelopes()).toMatchObject([
      { intent: 'interaction.search', payload: { query: 'ducks', limit: 2, interaction_urn: urn } },
    ]);
    const mine = async () => (await transcript()).filter((l) => l.interaction_urn === urn);
    expect((await mine()).map((l) => [l.direction, l.content, l.ephemeral])).toEqual([
      ['in', '/search query:ducks limit:2', 0],
      ['out', 'duck is thinking…', 1],
    ]);
    await answer('echo', 'demo', {
      channel: { foreign_id: 'general' },
      content: '2 results',
      idempotency_key: `a:${urn}`,
      interaction_urn: urn,
      ephemeral: true,
    });
    await answer('echo', 'demo', {
      channel: { foreign_id: 'general' },
      content: 'and one more',
      idempotency_key: `b:${urn}`,
      interaction_urn: urn,
      interaction_response: 'followup',
    });
    await answer('echo', 'demo', {
      channel: { foreign_id: 'general' },
      content: 'and one more',
      idempotency_key: `b:${urn}`,
      interaction_urn: urn,
      interaction_response: 'followup',
    });
    expect((await mine()).map((l) => [l.direction, l.content])).toEqual([
      ['in', '/search query:ducks limit:2'],
      ['out', '2 results'],
      ['out', 'and one more'],
    ]);
  });

  it('publishes nothing for a request the functions Worker abandoned at its deadline', async () => {
    const requestId = `req-${Date.now()}`;
    await worker().w.abandonInteraction({ provider: 'echo', tenant: 'demo', request_id: requestId });
    const command = {
      type: 'command',
      id: `late-${Date.now()}`,
      command: 'status',
      user: { id: 'ada', name: 'Ada' },
    };
    const { done, queue } = await deliver('echo', 'demo', command, undefined, {
      request_id: requestId,
      answer_by: Date.now() + 2_500,
    });
    await done;
    expect(queue.sent).toEqual([]);
    expect(logged.some((l) => l.includes('abandoned at the deadline'))).toBe(true);
  });

  it('answers a signed echo PING with PONG, like Discord, and publishes nothing', async () => {
    const { reply, done, queue } = await deliver('echo', 'demo', { type: 'ping', id: `ping-${Date.now()}` });
    expect({ status: reply.status, body: reply.body }).toEqual({ status: 200, body: { type: 'pong' } });
    await done;
    expect(queue.sent).toEqual([]);
  });

  it('refuses a replayed echo command through the InteractionReceipts Durable Object', async () => {
    const command = {
      type: 'command',
      id: `status-${Date.now()}`,
      command: 'status',
      user: { id: 'ada', name: 'Ada' },
    };
    const first = await deliver('echo', 'demo', command);
    expect(first.reply.status).toBe(200);
    await first.done;
    const again = await deliver('echo', 'demo', command);
    expect(again.reply).toMatchObject({ status: 401, body: { error: 'replayed' } });
    await again.done;
    expect(again.queue.sent).toEqual([]);
  });

  it('refuses an echo interaction signed with the Discord tenant key', async () => {
    const body = JSON.stringify({ type: 'ping', id: 'p-wrong-key' });
    const signed = await signInteraction(inject('interactionKeys').duck, body);
    const { w } = worker();
    const reply = await w.acceptInteraction({
      provider: 'echo',
      tenant: 'demo',
      signature: signed.signature,
      timestamp: signed.timestamp,
      body: new TextEncoder().encode(body),
      received_at: Date.now(),
    });
    expect(reply).toMatchObject({ status: 401, body: { error: 'bad_signature' } });
  });
});

describe('command registration', () => {
  it('adds every command once, then reports them unchanged without writing again', async () => {
    const { w } = worker();
    const first = (await w.syncCommands({ tenant: 'duck' })) as CommandSyncReport;
    expect(first).toMatchObject({ application_id: FAKE_APPLICATIONS.duck, applied: true });
    expect(first.changes.map((c) => `${c.name}:${c.change}`)).toEqual([
      'ask:added',
      'search:added',
      'backfill:added',
      'voice:added',
      'status:added',
    ]);
    const second = (await w.syncCommands({ tenant: 'duck' })) as CommandSyncReport;
    expect(second.applied).toBe(false);
    expect(second.changes.every((c) => c.change === 'unchanged')).toBe(true);
    const puts = (await fakeDiscord.requests()).filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]?.status).toBe(200);
  });

  it("answers 502 with Discord's refusal when the overwrite is refused, writing nothing", async () => {
    await fakeDiscord.addFault({ kind: 'missing-access', route: 'bulk_set_application_commands', count: 1 });
    const { w } = worker();
    const failed = await w.syncCommands({ tenant: 'duck' });
    expect(failed).toMatchObject({ status: 502, error: 'discord_refused' });
    expect((failed as { message: string }).message).toMatch(/PUT .*403 .*Missing Access/);
    expect(
      ((await w.syncCommands({ tenant: 'duck', dry_run: true })) as CommandSyncReport).changes.map(
        (c) => c.change,
      ),
    ).toEqual(Array(5).fill('added'));
  });

  it('answers 404 for an unknown tenant and 400 for a provider without commands', async () => {
    const { w } = worker();
    expect(await w.syncCommands({ tenant: 'ghost' })).toMatchObject({ status: 404 });
    expect(await w.syncCommands({ provider: 'echo', tenant: 'demo' })).toMatchObject({
      status: 400,
      error: 'not_supported',
    });
  });
});
