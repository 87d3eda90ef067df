import { describe, expect, it } from 'vitest';
import { findDefinition, MESSAGE_DEFINITIONS } from './catalog.ts';
import { Envelope } from './envelope.ts';
import { AgentManifest } from './manifest.ts';

const ref = (kind: string, id: string) => ({ urn: `urn:discord:${kind}:duck:${id}`, foreign_id: id });
const interaction = {
  interaction_urn: 'urn:discord:interaction:duck:9',
  user: ref('user', '3'),
  channel: ref('channel', '2'),
  received_at: '2026-01-01T00:00:00.000Z',
};
const pcm = { encoding: 'pcm_s16le', sample_rate: 48_000, channels: 1 };

/** One valid payload per intent; each test also breaks it to prove the schema refuses. */
const VALID: Record<string, unknown> = {
  SocialMessageCreated: {
    ...ref('message', '1'),
    channel: ref('channel', '2'),
    author: ref('user', '3'),
    content: 'hi',
    created_at: '2026-01-01T00:00:00.000Z',
  },
  SocialMessageUpdated: {
    ...ref('message', '1'),
    channel: ref('channel', '2'),
    edited_at: '2026-01-01T00:00:00.000Z',
  },
  SocialMessageDeleted: {
    ...ref('message', '1'),
    channel: ref('channel', '2'),
    deleted_at: '2026-01-01T00:00:00.000Z',
  },
  'reply.message': {
    reply_id: 'r',
    channel: ref('channel', '2'),
    text: 'quack',
    mode: 'text',
    offline: true,
  },
  'raw.event': { type: 'MESSAGE_CREATE', seq: 1, data: {} },
  PostMessage: { channel: { foreign_id: '2' }, content: 'hi', idempotency_key: 'k' },
  'rest.request': { method: 'GET', route: '/gateway/bot' },
  'rest.response': { ok: true, status: 200, bucket: null, retry_after_ms: null, data: {} },
  'jobs.backfill.messages.enqueue': { job_id: 'j', channel: ref('channel', '2') },
  'jobs.backfill.messages.progress': {
    job_id: 'j',
    channel: ref('channel', '2'),
    pages: 1,
    fetched: 100,
    upserted: 100,
  },
  'jobs.backfill.messages.done': {
    job_id: 'j',
    channel: ref('channel', '2'),
    pages: 1,
    fetched: 1,
    upserted: 1,
  },
  'jobs.backfill.messages.error': {
    job_id: 'j',
    channel: ref('channel', '2'),
    pages: 0,
    fetched: 0,
    upserted: 0,
    message: 'x',
    retriable: false,
  },
  'jobs.web.crawl.frontier': {
    job_id: 'j',
    key: 'page:https://example.com/',
    item: { kind: 'page', url: 'https://example.com/', depth: 0, via: 'seed' },
  },
  'web.page.stored': {
    job_id: 'j',
    page_id: 'pd58bd918f88f4a20c832dd8b7b8dcb75',
    url: 'https://example.com/',
    content_sha256: 'a'.repeat(64),
    fetched_at: '2026-12-01T10:00:00.000Z',
  },
  'web.page.summarized': {
    page_id: 'pd58bd918f88f4a20c832dd8b7b8dcb75',
    url: 'https://example.com/',
    content_sha256: 'a'.repeat(64),
    fetched_at: '2026-12-01T10:00:00.000Z',
  },
  'jobs.migrations.store-move.step': { migration_id: 'm1', seq: 0, start: { to: 'mongodb' } },
  'jobs.migrations.store-move.progress': {
    migration_id: 'm1',
    seq: 1,
    phase: 'backfilling',
    from: 'sqlite',
    to: 'mongodb',
    goal: 'dual_write',
    paused: false,
    total: 10,
    copied: 5,
    cdc_events: 0,
    cdc_applied: 0,
    lag: 0,
    more: true,
    started_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:01.000Z',
  },
  'jobs.migrations.reembed.step': {
    migration_id: 'r1',
    seq: 0,
    start: { model: 'text-embedding-3-small', dimension: 1536 },
  },
  'jobs.migrations.reembed.progress': {
    migration_id: 'r1',
    seq: 1,
    phase: 'backfilling',
    from: 'old-embed/8',
    to: 'new-embed/16',
    goal: 'cut_over',
    paused: false,
    total: 10,
    copied: 5,
    cdc_events: 0,
    cdc_applied: 0,
    lag: 0,
    latency: {
      embed_ms: { zero: 0, buckets: { '60': 2 }, count: 2, sum: 21, max: 11 },
      chroma_upsert_ms: { zero: 1, buckets: {}, count: 1, sum: 0, max: 0 },
    },
    more: true,
    started_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:01.000Z',
  },
  'voice.control.join': { session_id: 's', guild_id: '1', channel_id: '2' },
  'voice.control.leave': { session_id: 's', guild_id: '1' },
  'voice.audio.segment': {
    session_id: 's',
    user_id: '1',
    segment_id: 'g',
    ts_start: 0,
    ts_end: 1,
    format: pcm,
    blob_key: 'b',
    vad: { kind: 'energy', start_threshold: 1, stop_threshold: 0.5, hangover_ms: 300 },
  },
  'voice.audio.spectrogram': {
    session_id: 's',
    segment_id: 'g',
    n_mels: 80,
    hop_length: 160,
    win_length: 400,
    fmin: 0,
    fmax: 8000,
    frames: 10,
    image_key: 'i',
    matrix_key: 'm',
  },
  'transcript.segment': {
    session_id: 's',
    user_id: '1',
    segment_id: 'g',
    text: 'hi',
    confidence: 0.9,
    rtf: 0.1,
    latency_ms: 5,
    offline: false,
  },
  'voice.play.pcm': {
    session_id: 's',
    reply_id: 'r',
    seq: 0,
    last: true,
    format: { ...pcm, sample_rate: 24_000 },
    blob_key: 'b',
    duration_ms: 100,
  },
  'voice.state.changed': { session_id: 's', guild_id: '1', channel_id: '2', status: 'ready' },
  'voice.state.speaking': { session_id: 's', user_id: '1', speaking: true },
  'voice.health': {
    session_id: 's',
    state: 'RUNNING',
    speakers: 1,
    jitter_ms: 1,
    packet_loss: 0,
    decrypt_failures: 0,
    queue_depth: 0,
    dropped_frames: 0,
  },
  health: { agent: 'a', state: 'RUNNING', ready: true, live: true },
  'config.patch': { agent: 'cephalon', set: { reply_context_k: 3 }, actor: 'ops:ada' },
  'config.applied': {
    agent: 'cephalon',
    config_rev: 'r1-8d1c3243',
    previous_rev: null,
    settings: { reply_context_k: 3 },
    changed: ['reply_context_k'],
    patch_id: 'patch-1',
    actor: 'ops:ada',
  },
  error: { code: 'handler_failed', message: 'x', retriable: false },
  'control.gateway': { action: 'start' },
  SocialMessagesBackfilled: {
    job_id: 'j',
    channel: ref('channel', '2'),
    page: 0,
    part: 0,
    messages: [
      {
        ...ref('message', '1'),
        channel: ref('channel', '2'),
        author: ref('user', '3'),
        content: 'hi',
        created_at: '2026-01-01T00:00:00.000Z',
      },
    ],
  },
  'interaction.ask': { ...interaction, question: 'what did ada say?' },
  'interaction.search': { ...interaction, query: 'ducks' },
  'interaction.backfill': { ...interaction, target_channel: ref('channel', '2') },
  'interaction.voice': { ...interaction, action: 'join', voice_channel: ref('channel', '4') },
  'interaction.status': { ...interaction },
  'attachment.indexed': {
    ...ref('attachment', '5'),
    message: ref('message', '1'),
    channel: ref('channel', '2'),
    filename: 'duck.png',
    declared_content_type: 'image/png',
    declared_size: 1024,
    posted_at: '2026-01-01T00:00:00.000Z',
    status: 'stored',
    stored: {
      sha256: 'a'.repeat(64),
      blob_key: `attachments/sha256/${'a'.repeat(64)}`,
      content_type: 'image/png',
      size: 1024,
    },
  },
  'moderation.notice': {
    agent: 'cephalon',
    kind: 'mentions_defused',
    source_urn: 'urn:discord:message:duck:1',
    channel: ref('channel', '2'),
    detail: 'two mentions made inert',
    count: 2,
  },
};

describe('message schemas', () => {
  it('has a valid example for every intent in the catalog', () => {
    expect(Object.keys(VALID).sort()).toEqual(MESSAGE_DEFINITIONS.map((d) => d.intent).sort());
  });

  it.each(Object.entries(VALID))('%s accepts a valid payload and refuses a broken one', (intent, payload) => {
    const def = findDefinition(intent)!;
    expect(def.payload.safeParse(payload).success).toBe(true);
    expect(
      def.payload.safeParse({ ...(payload as object), [Object.keys(payload as object)[0]!]: 12345 }).success,
    ).toBe(false);
    expect(def.payload.safeParse(null).success).toBe(false);
  });

  it('derives the topic name from the intent and area', () => {
    expect(findDefinition('jobs.backfill.messages.enqueue')).toMatchObject({
      area: 'jobs',
      topicName: 'backfill.messages.enqueue',
    });
    expect(findDefinition('SocialMessageCreated')).toMatchObject({
      area: 'events',
      topicName: 'SocialMessageCreated',
    });
    expect(findDefinition('nope')).toBeUndefined();
  });
});

describe('Envelope', () => {
  const valid = {
    id: 'e1',
    ts: '2026-01-01T00:00:00.000Z',
    src: 'test',
    dst: 'promethean.p.discord.t.duck.ops.health',
    provider: 'discord',
    tenant: 'duck',
    intent: 'health',
    payload: {},
  };
  it('accepts the required fields and the optional ones', () => {
    expect(Envelope.safeParse(valid).success).toBe(true);
    expect(
      Envelope.safeParse({
        ...valid,
        corr: 'c',
        trace: 't',
        parent: 'p',
        v: 2,
        build_sha: 'abc',
        config_rev: '1',
        models: [
          {
            role: 'llm',
            name: 'm',
            usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
            finish_reason: 'stop',
          },
        ],
      }).success,
    ).toBe(true);
  });
  it.each([
    ['a missing id', { ...valid, id: undefined }],
    ['a bad timestamp', { ...valid, ts: 'yesterday' }],
    ['an uppercase provider', { ...valid, provider: 'Discord' }],
    ['a tenant with a dot', { ...valid, tenant: 'du.ck' }],
    ['an unknown field', { ...valid, token: 'x' }],
  ])('refuses %s', (_, input) => {
    expect(Envelope.safeParse(input).success).toBe(false);
  });
});

describe('AgentManifest', () => {
  const base = {
    id: 'x-agent',
    kind: 'stateless-worker',
    version: '1.0.0',
    description: 'd',
    binds: { providers: ['*'], tenants: ['*'] },
    idempotency_key: '{id}',
  };
  it('applies defaults', () => {
    const m = AgentManifest.parse(base);
    expect(m.retry).toEqual({ max_retries: 5, base_delay_s: 2, max_delay_s: 300 });
    expect(m.health.interval_ms).toBe(30_000);
  });
  it('refuses provider capabilities for a stateless worker', () => {
    const r = AgentManifest.safeParse({ ...base, capabilities: ['provider.rest.call'] });
    expect(r.success).toBe(false);
    expect(
      AgentManifest.safeParse({ ...base, kind: 'provider-access', capabilities: ['provider.rest.call'] })
        .success,
    ).toBe(true);
  });
});
