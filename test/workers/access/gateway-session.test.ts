import { abortAllDurableObjects, runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { GATEWAY_INTENTS } from '../../../durable-objects/gateway/gateway-protocol.ts';
import type { GatewayHealth } from '../../../durable-objects/objects/gateway-session.ts';
import { fakeDiscord } from './fake-discord-client.ts';

let n = 0;
function session(tenant: 'duck' | 'goose' = 'duck', name = `gateway-test-${++n}`) {
  const raw = env.GATEWAY_SESSION.get(env.GATEWAY_SESSION.idFromName(name));
  return {
    name,
    raw,
    start: () => raw.start(tenant, 0) as unknown as Promise<GatewayHealth>,
    stop: () => raw.stop() as unknown as Promise<GatewayHealth>,
    health: () => raw.health() as unknown as Promise<GatewayHealth>,
  };
}

/** Polls a condition across real sockets (bounded), rather than sleeping a guessed time. */
async function until<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 8_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 20));
    last = await probe();
  }
  return last;
}

const ready = (s: ReturnType<typeof session>) =>
  until('READY', s.health, (h) => h.status === 'ready' && h.connected);

function messageCreate(id: number, guildId = '800000000000000001') {
  return {
    id: String(1_300_000_000_000_000_000n + BigInt(id)),
    channel_id: '700000000000000001',
    guild_id: guildId,
    author: { id: '300000000000000001', username: 'ada', global_name: null },
    content: `message ${id}`,
    timestamp: '2026-11-20T10:00:00.000000+00:00',
    edited_timestamp: null,
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    attachments: [],
  };
}

async function dispatch(sessionId: string, id: number, guildId?: string): Promise<number> {
  const r = (await fakeDiscord.gatewayAction({
    action: 'dispatch',
    session_id: sessionId,
    event: 'MESSAGE_CREATE',
    data: messageCreate(id, guildId),
  })) as { seqs: number[] };
  return r.seqs[0]!;
}

function expectExactlyOnce(published: number[], dispatched: number[]): void {
  expect(new Set(published).size).toBe(published.length);
  for (const s of dispatched) expect(published).toContain(s);
}

describe('GatewaySession against the fake gateway', () => {
  it('identifies with the intents from providers.yml, becomes ready and publishes dispatches', async () => {
    const s = session();
    await s.start();
    const h = await ready(s);
    const identify = (await fakeDiscord.gateway()).received.find(
      (p) => p.session_id === null && p.op === 2 && JSON.stringify(p.d).includes(`"shard":[0,1]`),
    );
    const expected = [
      'GUILDS',
      'GUILD_MESSAGES',
      'MESSAGE_CONTENT',
      'DIRECT_MESSAGES',
      'GUILD_VOICE_STATES',
    ].reduce((b, i) => b | GATEWAY_INTENTS[i]!, 0);
    expect(identify).toBeDefined();
    expect((identify!.d as { intents: number }).intents).toBe(expected);
    const seq = await dispatch(h.session_id!, 1);
    const after = await until('published', s.health, (x) => x.recent_seqs.includes(seq));
    // The lean publish mode (the default): SocialMessageCreated only, no raw.event.
    expect(after.published).toBe(1);
    await s.stop();
  });

  it('heartbeats on its own and measures the ping from the ACK', async () => {
    const s = session();
    await s.start();
    await ready(s);
    const h = await until('heartbeat ACK', s.health, (x) => x.last_ack_at !== null);
    expect(h.ping_ms).toBeGreaterThanOrEqual(0);
    await s.stop();
  });

  it('detects a zombie connection and resumes with zero lost and zero duplicated events', async () => {
    const s = session();
    await s.start();
    const { session_id, connections } = await ready(s);
    const before = [await dispatch(session_id!, 10), await dispatch(session_id!, 11)];
    await until('published', s.health, (x) => before.every((q) => x.recent_seqs.includes(q)));
    await fakeDiscord.gatewayAction({ action: 'withhold_acks', session_id, count: 1 });
    await until('zombie detected and a new socket opened', s.health, (x) => x.connections > connections);
    const away = [await dispatch(session_id!, 12), await dispatch(session_id!, 13)];
    const h = await until(
      'resumed with replay',
      s.health,
      (x) => x.status === 'ready' && away.every((q) => x.recent_seqs.includes(q)),
    );
    expect(h.session_id).toBe(session_id);
    expectExactlyOnce(h.recent_seqs, [...before, ...away]);
    const resumes = (await fakeDiscord.gateway()).received.filter(
      (p) => p.op === 6 && (p.d as { session_id: string }).session_id === session_id,
    );
    expect(resumes.length).toBeGreaterThanOrEqual(1);
    await s.stop();
  });

  it('replays events queued while the socket was dropped, each exactly once', async () => {
    const s = session();
    await s.start();
    const { session_id, connections } = await ready(s);
    const before = await dispatch(session_id!, 50);
    await until('published', s.health, (x) => x.recent_seqs.includes(before));
    await fakeDiscord.gatewayAction({ action: 'drop', session_id });
    // Dispatched right after the drop: the fake queues them until the client resumes.
    const away = [
      await dispatch(session_id!, 51),
      await dispatch(session_id!, 52),
      await dispatch(session_id!, 53),
    ];
    const h = await until(
      'resumed',
      s.health,
      (x) => x.connections > connections && away.every((q) => x.recent_seqs.includes(q)),
    );
    expect(h.session_id).toBe(session_id);
    expectExactlyOnce(h.recent_seqs, [before, ...away]);
    expect(h.recent_seqs.filter((q) => q >= before)).toEqual([before, ...away]);
    await s.stop();
  });

  it('reconnects and resumes on op 7 RECONNECT', async () => {
    const s = session();
    await s.start();
    const { session_id } = await ready(s);
    await fakeDiscord.gatewayAction({ action: 'reconnect', session_id });
    const away = await dispatch(session_id!, 20);
    const h = await until('resumed', s.health, (x) => x.status === 'ready' && x.recent_seqs.includes(away));
    expect(h.session_id).toBe(session_id);
    await s.stop();
  });

  it('resumes after op 9 with d true, and starts a new session after op 9 with d false', async () => {
    const s = session();
    await s.start();
    const first = (await ready(s)).session_id;
    await fakeDiscord.gatewayAction({ action: 'invalid_session', session_id: first, resumable: true });
    await until('reconnecting', s.health, (x) => x.status !== 'ready');
    expect((await ready(s)).session_id).toBe(first);
    await fakeDiscord.gatewayAction({ action: 'invalid_session', session_id: first, resumable: false });
    const fresh = await until(
      'a new session',
      s.health,
      (x) => x.status === 'ready' && x.session_id !== first,
    );
    expect(fresh.session_id).toMatch(/\w+/);
    await s.stop();
  }, 30_000);

  it('after a new session, starts a catch-up backfill for each channel it saw, from the last message', async () => {
    const s = session();
    await s.start();
    const first = (await ready(s)).session_id!;
    const seq = await dispatch(first, 901);
    await until('published', s.health, (h) => h.recent_seqs.includes(seq));
    await fakeDiscord.gatewayAction({ action: 'invalid_session', session_id: first, resumable: false });
    // Dispatched to a session that can no longer be resumed: Discord never replays it.
    await dispatch(first, 902).catch(() => undefined);
    const h = await until(
      'a new session with the gap closed',
      s.health,
      (x) => x.status === 'ready' && x.session_id !== first && x.last_gap !== undefined,
      15_000,
    );
    expect(h.catch_up_jobs).toBe(1);
    expect(h.gap).toBeUndefined();
    expect(h.last_gap).toMatchObject({ channels: 1 });
    expect(h.active_channels).toEqual([
      expect.objectContaining({ channel_id: '700000000000000001', last_id: messageCreate(901).id }),
    ]);
    await s.stop();
  }, 30_000);

  const fatal = [4004, 4010, 4011, 4012, 4013, 4014];
  const reidentify = [4007, 4009];
  const resumable = [4000, 4001, 4002, 4003, 4005, 4008];
  it.each([...fatal, ...reidentify, ...resumable])(
    'handles close code %i as Discord documents',
    async (code) => {
      const s = session();
      await s.start();
      const first = await ready(s);
      const { session_id } = first;
      await fakeDiscord.gatewayAction({ action: 'close', session_id, code });
      if (fatal.includes(code)) {
        const h = await until('stopped', s.health, (x) => x.status === 'stopped');
        expect(h.reason).toContain(String(code));
        expect(h.connected).toBe(false);
        return;
      }
      // A resumable close reconnects at once, often before a probe can see it anything but ready.
      await until(
        'reconnected',
        s.health,
        (x) =>
          x.status !== 'ready' ||
          x.session_id !== session_id ||
          (x.connections ?? 0) > (first.connections ?? 0),
      );
      const h = await ready(s);
      if (reidentify.includes(code)) expect(h.session_id).not.toBe(session_id);
      else expect(h.session_id).toBe(session_id);
      await s.stop();
    },
    20_000,
  );

  // A graceful eviction waits for the live socket to drain; aborting the instance is what a deploy does.
  it('resumes after the Durable Object is torn down mid-session, replaying what it missed', async () => {
    const s = session();
    await s.start();
    const { session_id } = await ready(s);
    const before = await dispatch(session_id!, 30);
    await until('published', s.health, (x) => x.recent_seqs.includes(before));
    await abortAllDurableObjects().catch(() => undefined);
    const away = await dispatch(session_id!, 31);
    // A stub to a torn-down instance stays broken; a fresh one reaches the new instance.
    const revived = session('duck', s.name);
    await runDurableObjectAlarm(revived.raw);
    const h = await until(
      'resumed after eviction',
      revived.health,
      (x) => x.status === 'ready' && x.recent_seqs.includes(away),
    );
    expect(h.session_id).toBe(session_id);
    expectExactlyOnce(h.recent_seqs, [before, away]);
    await revived.stop();
  });

  it('drops events from guilds outside the tenant allowlist', async () => {
    const s = session('goose');
    await s.start();
    const { session_id } = await ready(s);
    const outside = await dispatch(session_id!, 40, '800000000000000009');
    const inside = await dispatch(session_id!, 41, '800000000000000002');
    const h = await until('inside published', s.health, (x) => x.recent_seqs.includes(inside));
    expect(h.recent_seqs).not.toContain(outside);
    expect(h.dropped).toBe(1);
    await s.stop();
  });
});

describe('GatewaySession coalescing (GATEWAY_COALESCE unset: window)', () => {
  it('carries a burst of dispatches in fewer queue messages, each envelope exactly once', async () => {
    const s = session();
    await s.start();
    const { session_id } = await ready(s);
    // A quiet dispatch goes at once, in a message of its own.
    const first = await dispatch(session_id!, 50);
    const alone = await until(
      'first published',
      s.health,
      (x) => x.recent_seqs.includes(first) && x.held === 0,
    );
    expect(alone.queue_messages).toBe(1);
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => dispatch(session_id!, 51 + i)));
    const h = await until(
      'burst published',
      s.health,
      (x) => burst.every((q) => x.recent_seqs.includes(q)) && x.held === 0,
    );
    expect(h.published).toBe(21);
    expectExactlyOnce(h.recent_seqs, [first, ...burst]);
    // 20 envelopes within a few milliseconds: held together for up to 100 ms, not sent one by one.
    expect(h.queue_messages! - 1).toBeLessThan(10);
    expect(h.queue_messages! - 1).toBeGreaterThanOrEqual(1);
    await s.stop();
  });

  it('loses nothing held when the Durable Object is torn down: the resume replays it under the same ids', async () => {
    const s = session();
    await s.start();
    const { session_id } = await ready(s);
    const first = await dispatch(session_id!, 80);
    await until('first published', s.health, (x) => x.recent_seqs.includes(first) && x.held === 0);
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => dispatch(session_id!, 81 + i)));
    // Torn down at once, most likely while the burst is still held (its seq not saved).
    await abortAllDurableObjects().catch(() => undefined);
    const revived = session('duck', s.name);
    await runDurableObjectAlarm(revived.raw);
    const h = await until(
      'resumed with the burst',
      revived.health,
      (x) => x.status === 'ready' && burst.every((q) => x.recent_seqs.includes(q)) && x.held === 0,
    );
    expect(h.session_id).toBe(session_id);
    expectExactlyOnce(h.recent_seqs, [first, ...burst]);
    await revived.stop();
  });
});
