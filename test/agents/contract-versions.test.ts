/**
 * PostMessage contract v1 and v2 side by side during a rollout: every mix of producer and consumer
 * version works. v2 adds the optional `silent` (no push notification); a v1 consumer reads a v2 payload
 * with its own schema (dropping `silent`), a v2 consumer reads v1 payloads as they are.
 */
import { postMessageCalls } from '@promethean/durable-objects/rest/post-message-calls';
import { PostMessage, PostMessageV1 } from '@promethean/schemas/commands/post-message';
import type { Envelope } from '@promethean/schemas/envelope';
import { defineMessage } from '@promethean/schemas/message-definition';
import { InvalidMessageError } from '@promethean/shared/agent/agent-errors';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { createEnvelope, parseTypedEnvelope, sequentialIds } from '@promethean/shared/agent/envelope-factory';
import type { ProviderPort } from '@promethean/shared/effects/effect-ports';
import { recordingRuntime } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { discordRest } from '../../durable-objects/discord-rest/handler.ts';

/** PostMessage as code from before v2 defines it. */
const PostMessageBeforeV2 = defineMessage({
  intent: 'PostMessage',
  area: 'commands',
  description: PostMessage.description,
  payload: PostMessageV1,
});
const v1Lookup = (intent: string) => (intent === 'PostMessage' ? PostMessageBeforeV2 : undefined);

const SUPPRESS_NOTIFICATIONS = 1 << 12;
const base = {
  channel: { foreign_id: '700000000000000001' },
  content: 'quack',
  mention_users: [],
  idempotency_key: 'post-1',
};
const where = { src: 'cephalon', provider: 'discord', tenant: 'duck', ids: sequentialIds('c') };

const v1Producer = () => createEnvelope(PostMessageBeforeV2, base, where);
const v2Producer = () => createEnvelope(PostMessage, { ...base, silent: true }, { ...where, v: 2 });

/** What a consumer from before v2 does: parse with its schema, then post with its calls. */
function v1Consumer(envelope: Envelope) {
  const parsed = parseTypedEnvelope(structuredClone(envelope), v1Lookup);
  const payload = PostMessageV1.parse(parsed.payload);
  return { payload, bodies: postMessageCalls(payload).map((c) => c.body as Record<string, unknown>) };
}

/** The current consumer: the discord-rest agent itself, posting through a port that keeps the command. */
async function v2Consumer(envelope: Envelope) {
  const commands: Array<Parameters<ProviderPort['postMessage']>[0]> = [];
  const port: ProviderPort = {
    restCall: async () => ({ ok: true, status: 200, bucket: null, retry_after_ms: null, data: null }),
    gatewayControl: async () => ({ status: 'not_applicable' }),
    postMessage: async (command) => {
      commands.push(command);
      return { foreign_ids: ['1'] };
    },
  };
  const rt = recordingRuntime(Date.UTC(2026, 10, 20), { provider: port });
  const outcome = await invokeAgent(discordRest, structuredClone(envelope), rt.deps);
  expect(outcome.outcome).toBe('ok');
  const [command] = commands;
  return { command, bodies: postMessageCalls(command!).map((c) => c.body as Record<string, unknown>) };
}

describe('PostMessage v1 and v2 side by side', () => {
  it('v1 producer → v1 consumer', () => {
    const envelope = v1Producer();
    expect(envelope).not.toHaveProperty('v');
    const { payload, bodies } = v1Consumer(envelope);
    expect(payload.content).toBe('quack');
    expect(bodies[0]).not.toHaveProperty('flags');
  });

  it('v1 producer → v2 consumer', async () => {
    const { command, bodies } = await v2Consumer(v1Producer());
    expect(command?.silent).toBeUndefined();
    expect(bodies[0]).not.toHaveProperty('flags');
  });

  it('v2 producer → v1 consumer: accepted, silent dropped', () => {
    const envelope = v2Producer();
    expect(envelope.v).toBe(2);
    const { payload, bodies } = v1Consumer(envelope);
    expect(payload).not.toHaveProperty('silent');
    expect(payload.content).toBe('quack');
    expect(bodies[0]).not.toHaveProperty('flags');
  });

  it('v2 producer → v2 consumer: silent honoured', async () => {
    const { command, bodies } = await v2Consumer(v2Producer());
    expect(command?.silent).toBe(true);
    expect(bodies[0]).toMatchObject({ flags: SUPPRESS_NOTIFICATIONS });
  });

  it('refuses to produce a field the chosen version lacks, or a version that does not exist', () => {
    expect(() => createEnvelope(PostMessage, { ...base, silent: true }, where)).toThrow(InvalidMessageError);
    expect(() => createEnvelope(PostMessage, base, { ...where, v: 3 })).toThrow(/no contract v3/);
  });

  it('reads a version newer than it knows with its newest schema', async () => {
    const future = { ...v2Producer(), v: 3, payload: { ...v2Producer().payload, colour: 'teal' } };
    const { command } = await v2Consumer(future);
    expect(command).toMatchObject({ content: 'quack', silent: true });
    expect(command).not.toHaveProperty('colour');
  });
});
