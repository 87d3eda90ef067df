import type { Envelope } from '@promethean/schemas/envelope';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { beforeAll, describe, expect, it } from 'vitest';
import providersYml from '../../providers.yml';
import {
  generateInteractionKeys,
  type InteractionKeyPair,
  signInteraction,
} from '../../scripts/dev/interaction-signer.ts';
import {
  commandInteraction,
  pingInteraction,
  TEST_VOICE_CHANNEL,
  textChannelOption,
  voiceChannelResolved,
} from '../../test/interactions/discord-interaction-payloads.ts';
import { discordInteractions } from './discord-interactions.ts';
import type { CommandReading, InteractionAdapter } from './interaction-adapter.ts';
import { acceptInteraction, type IntakeDeps, NOT_ALLOWED_HERE } from './interaction-intake.ts';
import type { GuardVerdict, ReplayGuard } from './replay-guard.ts';

let keys: InteractionKeyPair;
let otherKeys: InteractionKeyPair;
beforeAll(async () => {
  [keys, otherKeys] = await Promise.all([generateInteractionKeys(), generateInteractionKeys()]);
});

const memoryGuard = (): ReplayGuard => {
  const seen = new Set<string>();
  return {
    admit: async (p, t, id): Promise<GuardVerdict> => {
      const key = `${p}:${t}:${id}`;
      if (seen.has(key)) return 'replay';
      seen.add(key);
      return 'new';
    },
  };
};

interface Harness {
  deps: IntakeDeps;
  held: CommandReading[];
  published: Envelope[];
  logs: string[];
  pending: Promise<unknown>[];
}

function harness(over: Partial<IntakeDeps> = {}): Harness {
  const held: CommandReading[] = [];
  const published: Envelope[] = [];
  const logs: string[] = [];
  const pending: Promise<unknown>[] = [];
  const adapter: InteractionAdapter = {
    ...discordInteractions,
    hold: async (_env, _tenant, reading) => {
      held.push(structuredClone(reading));
    },
    apologize: async () => {},
  };
  const deps: IntakeDeps = {
    env: {} as AccessEnv,
    registry: ProviderRegistry.fromYaml(providersYml),
    secretEnv: {
      DUCK_DISCORD_PUBLIC_KEY: keys.public_key_hex,
      GOOSE_DISCORD_PUBLIC_KEY: keys.public_key_hex,
    },
    guard: memoryGuard(),
    now: () => Date.now(),
    maxSkewS: 300,
    waitUntil: (work) => pending.push(work),
    publish: async (envelope) => {
      published.push(envelope);
    },
    log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })),
    adapters: { discord: adapter },
    pause: async () => {},
    ...over,
  };
  return { deps, held, published, logs, pending };
}

async function send(
  h: Harness,
  interaction: unknown,
  o: {
    keys?: InteractionKeyPair;
    tenant?: string;
    requestId?: string;
    answerBy?: number;
    timestampS?: number;
    tamper?: (s: { signature: string; timestamp: string; body: string }) => void;
  } = {},
) {
  const body = JSON.stringify(interaction);
  const signed = await signInteraction(o.keys ?? keys, body, o.timestampS);
  const parts = { signature: signed.signature, timestamp: signed.timestamp, body };
  o.tamper?.(parts);
  const reply = await acceptInteraction(
    {
      provider: 'discord',
      tenant: o.tenant ?? 'duck',
      signature: parts.signature,
      timestamp: parts.timestamp,
      body: new TextEncoder().encode(parts.body),
      received_at: Date.now(),
      ...(o.requestId !== undefined && { request_id: o.requestId }),
      ...(o.answerBy !== undefined && { answer_by: o.answerBy }),
    },
    h.deps,
  );
  await Promise.all(h.pending);
  // Timings vary run to run; the tests below look at the answer itself.
  expect(reply.timing).toMatchObject({ verify_ms: expect.any(Number), guard_ms: expect.any(Number) });
  const { timing: _timing, ...answer } = reply;
  return answer;
}

const APP = '900000000000000001';

describe('interaction signatures', () => {
  it('answers a signed PING with PONG', async () => {
    expect(await send(harness(), pingInteraction(APP))).toEqual({ status: 200, body: { type: 1 } });
  });

  it.each([
    [
      'a missing signature',
      (p: { signature: string }) => {
        p.signature = '';
      },
      'missing_signature_headers',
    ],
    [
      'a missing timestamp',
      (p: { timestamp: string }) => {
        p.timestamp = '';
      },
      'missing_signature_headers',
    ],
    [
      'a non-hex signature',
      (p: { signature: string }) => {
        p.signature = 'z'.repeat(128);
      },
      'malformed_signature',
    ],
    [
      'a short signature',
      (p: { signature: string }) => {
        p.signature = p.signature.slice(2);
      },
      'malformed_signature',
    ],
    [
      'a long signature',
      (p: { signature: string }) => {
        p.signature = `${p.signature}00`;
      },
      'malformed_signature',
    ],
    [
      'a non-numeric timestamp',
      (p: { timestamp: string }) => {
        p.timestamp = 'yesterday';
      },
      'malformed_timestamp',
    ],
    [
      'a tampered body',
      (p: { body: string }) => {
        p.body = p.body.replace('ask', 'ash');
      },
      'bad_signature',
    ],
    [
      'a tampered timestamp',
      (p: { timestamp: string }) => {
        p.timestamp = String(Number(p.timestamp) - 1);
      },
      'bad_signature',
    ],
  ])('refuses %s with 401', async (_name, tamper, reason) => {
    const h = harness();
    const interaction = commandInteraction({
      name: 'ask',
      options: [{ name: 'question', type: 3, value: 'hi' }],
    });
    const reply = await send(h, interaction, { tamper: tamper as (p: object) => void });
    expect(reply).toMatchObject({ status: 401, body: { error: reason } });
    expect(h.published).toEqual([]);
    expect(h.held).toEqual([]);
  });

  it('refuses a request signed with another key', async () => {
    const h = harness();
    const reply = await send(h, pingInteraction(APP), { keys: otherKeys });
    expect(reply).toMatchObject({ status: 401, body: { error: 'bad_signature' } });
  });

  it('refuses correctly signed timestamps outside the freshness window, either way', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const timestampS of [now - 301, now + 301]) {
      const reply = await send(harness(), pingInteraction(APP), { timestampS });
      expect(reply).toMatchObject({ status: 401, body: { error: 'stale_timestamp' } });
    }
    expect((await send(harness(), pingInteraction(APP), { timestampS: now - 290 })).status).toBe(200);
  });

  it('honours a configured freshness window', async () => {
    const reply = await send(harness({ maxSkewS: 30 }), pingInteraction(APP), {
      timestampS: Math.floor(Date.now() / 1000) - 60,
    });
    expect(reply).toMatchObject({ status: 401, body: { error: 'stale_timestamp' } });
  });

  it('refuses a replayed interaction id, even freshly re-signed', async () => {
    const h = harness();
    const interaction = commandInteraction({ name: 'status' });
    expect((await send(h, interaction)).status).toBe(200);
    expect(await send(h, interaction)).toMatchObject({ status: 401, body: { error: 'replayed' } });
    expect(h.published).toHaveLength(1);
  });

  it('answers 503 without the tenant public key, and 404 for an unknown tenant', async () => {
    expect(await send(harness({ secretEnv: {} }), pingInteraction(APP))).toMatchObject({
      status: 503,
      body: { error: 'not_configured' },
    });
    const h = harness();
    const reply = await acceptInteraction(
      {
        provider: 'discord',
        tenant: 'ghost',
        signature: '',
        timestamp: '',
        body: new Uint8Array(),
        received_at: 1,
      },
      h.deps,
    );
    expect(reply.status).toBe(404);
  });

  it('answers 400 for a signed body that is not an interaction', async () => {
    expect(await send(harness(), { hello: 'world' })).toMatchObject({
      status: 400,
      body: { error: 'invalid_interaction' },
    });
  });
});

describe('slash commands', () => {
  const channelOption = textChannelOption();
  it.each([
    [
      '/ask',
      { name: 'ask', options: [{ name: 'question', type: 3, value: 'what is a duck?' }] },
      'interaction.ask',
      false,
      { question: 'what is a duck?' },
    ],
    [
      '/search',
      {
        name: 'search',
        options: [
          { name: 'query', type: 3, value: 'ducks' },
          { name: 'limit', type: 4, value: 3 },
        ],
      },
      'interaction.search',
      true,
      { query: 'ducks', limit: 3, source: 'messages' },
    ],
    [
      '/search without limit',
      { name: 'search', options: [{ name: 'query', type: 3, value: 'ducks' }] },
      'interaction.search',
      true,
      { query: 'ducks', limit: 5 },
    ],
    [
      '/search over crawled web pages',
      {
        name: 'search',
        options: [
          { name: 'query', type: 3, value: 'ducks' },
          { name: 'source', type: 3, value: 'web' },
        ],
      },
      'interaction.search',
      true,
      { query: 'ducks', limit: 5, source: 'web' },
    ],
    [
      '/backfill',
      {
        name: 'backfill',
        ...channelOption,
        options: [...channelOption.options, { name: 'limit', type: 4, value: 500 }],
      },
      'interaction.backfill',
      false,
      { target_channel: { foreign_id: '700000000000000001', name: 'general' }, limit: 500 },
    ],
    [
      '/voice join',
      {
        name: 'voice',
        options: [
          { name: 'join', type: 1, options: [{ name: 'channel', type: 7, value: TEST_VOICE_CHANNEL }] },
        ],
        resolvedChannels: voiceChannelResolved,
      },
      'interaction.voice',
      false,
      { action: 'join', voice_channel: { foreign_id: TEST_VOICE_CHANNEL, name: 'lounge' } },
    ],
    [
      '/voice leave',
      { name: 'voice', options: [{ name: 'leave', type: 1 }] },
      'interaction.voice',
      false,
      { action: 'leave' },
    ],
    ['/status', { name: 'status' }, 'interaction.status', true, {}],
  ])(
    'defers %s, holds its token, then publishes %s with only the URN',
    async (_n, init, intent, ephemeral, fields) => {
      const h = harness();
      const interaction = commandInteraction(init);
      const reply = await send(h, interaction);
      expect(reply).toEqual({
        status: 200,
        body: ephemeral ? { type: 5, data: { flags: 64 } } : { type: 5 },
      });
      const urn = `urn:discord:interaction:duck:${interaction.id}`;
      expect(h.held.map((r) => [r.call.interaction_urn, r.credential?.token])).toEqual([
        [urn, interaction.token],
      ]);
      expect(h.published).toHaveLength(1);
      const envelope = h.published[0]!;
      expect(envelope).toMatchObject({
        id: `interaction:${urn}`,
        intent,
        provider: 'discord',
        tenant: 'duck',
        corr: urn,
      });
      expect(envelope.payload).toMatchObject({
        interaction_urn: urn,
        user: { foreign_id: '600000000000000001', name: 'Ada' },
        channel: { foreign_id: '700000000000000001' },
        space: { foreign_id: '800000000000000001' },
        ...fields,
      });
      expect(JSON.stringify(envelope)).not.toContain(interaction.token);
    },
  );

  it.each([
    ['an unknown command', { name: 'quack' }, /does not know `\/quack`/],
    [
      'a search limit above 10',
      {
        name: 'search',
        options: [
          { name: 'query', type: 3, value: 'x' },
          { name: 'limit', type: 4, value: 11 },
        ],
      },
      /`limit` must be between 1 and 10/,
    ],
    [
      'an empty question',
      { name: 'ask', options: [{ name: 'question', type: 3, value: '   ' }] },
      /`question` must not be empty/,
    ],
    ['a missing question', { name: 'ask' }, /`question` is required/],
    [
      'an unknown option',
      { name: 'status', options: [{ name: 'verbose', type: 5, value: true }] },
      /unknown option `verbose`/,
    ],
    [
      'a voice channel to backfill',
      {
        name: 'backfill',
        options: [{ name: 'channel', type: 7, value: TEST_VOICE_CHANNEL }],
        resolvedChannels: voiceChannelResolved,
      },
      /`channel` must be a text channel/,
    ],
    [
      'a text channel to join',
      {
        name: 'voice',
        ...textChannelOption(),
        options: [{ name: 'join', type: 1, options: textChannelOption().options }],
      },
      /`channel` must be a voice channel/,
    ],
    [
      'an unknown subcommand',
      { name: 'voice', options: [{ name: 'dance', type: 1 }] },
      /does not know `\/voice dance`/,
    ],
  ])('answers %s with an ephemeral error, publishing nothing', async (_n, init, message) => {
    const h = harness();
    const reply = await send(h, commandInteraction(init));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ type: 4, data: { flags: 64, allowed_mentions: { parse: [] } } });
    expect((reply.body as { data: { content: string } }).data.content).toMatch(message);
    expect(h.published).toEqual([]);
    expect(h.held).toEqual([]);
  });

  it('answers other interaction types with an ephemeral note', async () => {
    const reply = await send(harness(), { ...commandInteraction({ name: 'ask' }), type: 3 });
    expect(reply.body).toMatchObject({ type: 4, data: { flags: 64 } });
  });
});

describe("the tenant's allowlist", () => {
  // providers.yml: goose serves only guild 800000000000000002.
  it('answers a command from another guild, or a DM, with a note and starts nothing', async () => {
    const h = harness();
    const elsewhere = { ...commandInteraction({ name: 'status', applicationId: '900000000000000002' }) };
    const dm = {
      ...commandInteraction({ name: 'status', applicationId: '900000000000000002' }),
      guild_id: undefined,
    };
    for (const interaction of [elsewhere, dm]) {
      const reply = await send(h, interaction, { tenant: 'goose' });
      expect(reply).toMatchObject({
        status: 200,
        body: { type: 4, data: { content: NOT_ALLOWED_HERE, flags: 64 } },
      });
    }
    expect(h.held).toEqual([]);
    expect(h.published).toEqual([]);
    expect(h.logs.filter((l) => l.includes('outside the tenant allowlist'))).toHaveLength(2);
  });

  it('defers a command from the allowed guild', async () => {
    const h = harness();
    const inside = {
      ...commandInteraction({ name: 'status', applicationId: '900000000000000002' }),
      guild_id: '800000000000000002',
    };
    const reply = await send(h, inside, { tenant: 'goose' });
    expect(reply.body).toEqual({ type: 5, data: { flags: 64 } });
    expect(h.published).toHaveLength(1);
  });
});

describe('an interaction the functions Worker gave up on', () => {
  it('starts nothing when its answer could no longer arrive in time', async () => {
    const h = harness();
    const reply = await send(h, commandInteraction({ name: 'status' }), { answerBy: Date.now() + 100 });
    expect(reply).toMatchObject({ status: 503, body: { error: 'access_timeout' } });
    expect(h.held).toEqual([]);
    expect(h.published).toEqual([]);
  });

  it('holds but never publishes a command whose request was abandoned at the deadline', async () => {
    const gaveUp = new Set<string>(['req-abandoned-1']);
    const h = harness({
      abandoned: { wasAbandoned: async (_p, _t, requestId) => gaveUp.has(requestId) },
    });
    const abandonedReply = await send(
      h,
      commandInteraction({ name: 'voice', options: [{ name: 'leave', type: 1 }] }),
      {
        requestId: 'req-abandoned-1',
        answerBy: Date.now() + 2_500,
      },
    );
    expect(abandonedReply.status).toBe(200);
    expect(h.published).toEqual([]);
    expect(h.logs.some((l) => l.includes('abandoned at the deadline'))).toBe(true);
    const kept = await send(h, commandInteraction({ name: 'status' }), {
      requestId: 'req-in-time-2',
      answerBy: Date.now() + 2_500,
    });
    expect(kept.status).toBe(200);
    expect(h.published).toHaveLength(1);
  });
});

describe('the 3 s budget and the token', () => {
  it('answers before the queue has accepted the event, holding the token first', async () => {
    let releaseQueue: () => void = () => {};
    const queueOpen = new Promise<void>((r) => {
      releaseQueue = r;
    });
    const order: string[] = [];
    const h = harness({
      publish: async () => {
        order.push('publish started');
        await queueOpen;
        order.push('publish done');
      },
    });
    const interaction = commandInteraction({ name: 'status' });
    const body = JSON.stringify(interaction);
    const signed = await signInteraction(keys, body);
    const started = Date.now();
    const reply = await acceptInteraction(
      {
        provider: 'discord',
        tenant: 'duck',
        signature: signed.signature,
        timestamp: signed.timestamp,
        body: new TextEncoder().encode(body),
        received_at: started,
      },
      h.deps,
    );
    expect(reply.body).toEqual({ type: 5, data: { flags: 64 } });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(order).not.toContain('publish done');
    releaseQueue();
    await Promise.all(h.pending);
    expect(h.held).toHaveLength(1);
    expect(order).toEqual(['publish started', 'publish done']);
  });

  it('fails closed within the budget when the replay guard is slow', async () => {
    const { durableReplayGuard } = await import('./replay-guard.ts');
    const never = { idFromName: () => 'id', get: () => ({ admit: () => new Promise(() => {}) }) };
    const guard = durableReplayGuard(never as never, 300, 50);
    const h = harness({ guard });
    const started = Date.now();
    const reply = await send(h, commandInteraction({ name: 'status' }));
    expect(reply).toMatchObject({ status: 503, body: { error: 'replay_guard_unavailable' } });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(h.published).toEqual([]);
  });

  it('tells the user when the event cannot be published, and never logs the token', async () => {
    const apologies: string[] = [];
    const h = harness({
      publish: async () => {
        throw new Error('queue unavailable');
      },
    });
    const adapter = h.deps.adapters!.discord!;
    h.deps.adapters = {
      discord: { ...adapter, apologize: async (_e, _t, _r, content) => void apologies.push(content) },
    };
    const interaction = commandInteraction({
      name: 'ask',
      options: [{ name: 'question', type: 3, value: 'hi' }],
    });
    expect((await send(h, interaction)).body).toEqual({ type: 5 });
    expect(apologies).toEqual(['Duck could not start /ask just now; please try again.']);
    expect(h.logs.some((l) => l.includes('could not be published'))).toBe(true);
    expect(h.logs.join('\n')).not.toContain(interaction.token);
  });
});
