import { VoiceHealth } from '@promethean/schemas/voice/voice-messages';
import { FakeClock } from '@promethean/shared/testing/fake-clock';
import { describe, expect, it, vi } from 'vitest';
import { FakeControlChannel } from '../../testing/fake-control-channel.ts';
import type { ExitCode } from '../config/exit-codes.ts';
import { loadHostConfig } from '../config/host-config.ts';
import { RelayAdapterRegistry } from '../gateway-adapter/relay-adapter-registry.ts';
import { PcmUrlFetcher } from '../playback/pcm-url-fetcher.ts';
import { MemorySegmentSink } from '../segments/memory-segment-sink.ts';
import { VoiceSession } from '../session/voice-session.ts';
import { VoiceHost } from './voice-host.ts';

function setup() {
  const clock = new FakeClock(1_700_000_000_000);
  const control = new FakeControlChannel();
  control.status = 'disconnected';
  const relayed: unknown[] = [];
  const exits: ExitCode[] = [];
  const host = new VoiceHost({
    config: loadHostConfig({
      VOICE_HOST_SECRET: 'x'.repeat(20),
      VOICE_HOST_ID: 'vh-test',
      HEALTH_INTERVAL_MS: '1000',
      CONTROL_GRACE_MS: '5000',
    }),
    scheduler: clock,
    control,
    adapters: new RelayAdapterRegistry(
      async (_p, _t, c) => {
        relayed.push(c);
        return { ok: true };
      },
      () => {},
    ),
    sinkFor: () => new MemorySegmentSink(),
    fetcher: new PcmUrlFetcher({ origins: [], maxBytes: 1, timeoutMs: 1 }),
    log: () => {},
    exit: (code) => exits.push(code),
  });
  host.start();
  return { clock, control, host, relayed, exits };
}

describe('VoiceHost', () => {
  it('says hello on connect, answers pings, and joins and leaves on control commands', async () => {
    const { control, host, relayed } = setup();
    control.connect();
    expect(control.sent[0]).toEqual({ type: 'hello', host_id: 'vh-test', version: '0.1.0', sessions: [] });
    control.deliver({ type: 'ping', ts: 7 });
    expect(control.sent.at(-1)).toEqual({ type: 'pong', ts: 7 });
    control.deliver({
      type: 'session.join',
      tenant: 'duck',
      payload: { session_id: 'vs-1', guild_id: '1', channel_id: '2' },
    });
    expect(host.health().sessions.map((s) => [s.session_id, s.state])).toEqual([['vs-1', 'INIT']]);
    const changed = control.sent
      .filter((m) => m.type === 'event')
      .map((m) => (m.type === 'event' ? m.envelope.intent : ''));
    expect(changed).toContain('voice.state.changed');
    control.deliver({
      type: 'session.leave',
      tenant: 'duck',
      payload: { session_id: 'vs-1', guild_id: '1' },
    });
    expect(host.health().sessions).toEqual([]);
    await host.stop();
    expect(relayed).toHaveLength(2);
  });

  it('sends a valid voice.health envelope per session every interval', async () => {
    const { clock, control, host } = setup();
    control.connect();
    host.join({
      session_id: 'vs-1',
      provider: 'discord',
      tenant: 'duck',
      guild_id: '1',
      channel_id: '2',
      self_mute: false,
      self_deaf: false,
    });
    clock.advance(1_000);
    const report = control.sent.find((m) => m.type === 'health');
    // A session still joining (INIT) does not degrade the host; one that lost its connection (PAUSED) would.
    expect(report?.type === 'health' && report.host_state).toBe('RUNNING');
    if (report?.type !== 'health') throw new Error('no health report');
    expect(report.envelopes).toHaveLength(1);
    const env = report.envelopes[0]!;
    expect(env.dst).toBe('promethean.p.discord.t.duck.voice.health');
    expect(VoiceHealth.payload.parse(env.payload)).toMatchObject({
      session_id: 'vs-1',
      state: 'INIT',
      dropped_frames: 0,
    });
    await host.stop();
  });

  it('exits 71 through the watchdog when the control connection stays down', async () => {
    const { clock, exits, host } = setup();
    // The first check (after 1 s) sees it down; the grace is 5 s from there.
    clock.advance(5_000);
    expect(exits).toEqual([]);
    clock.advance(2_000);
    expect(exits).toEqual([71]);
    await host.stop();
  });

  it('exits 70 when a session fails on every pass of the loop', async () => {
    const { clock, control, exits, host } = setup();
    control.connect();
    const broken = vi.spyOn(VoiceSession.prototype, 'tick').mockImplementation(() => {
      throw new Error('broken session');
    });
    try {
      host.join({
        session_id: 'vs-1',
        provider: 'discord',
        tenant: 'duck',
        guild_id: '1',
        channel_id: '2',
        self_mute: false,
        self_deaf: false,
      });
      // Active from the first check (1 s); no progress since: the 10 s stall limit passes at 11 s.
      clock.advance(11_000);
      expect(exits).toEqual([]);
      clock.advance(1_000);
      expect(exits).toEqual([70]);
    } finally {
      broken.mockRestore();
      await host.stop();
    }
  });
});
