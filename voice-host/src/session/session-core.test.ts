import type { Envelope } from '@promethean/schemas/envelope';
import { VoiceStateSpeaking } from '@promethean/schemas/voice/voice-messages';
import { FakeClock } from '@promethean/shared/testing/fake-clock';
import { describe, expect, it } from 'vitest';
import { encodeOpusFrames, layOutStream } from '../../testing/opus-packet-stream.ts';
import { buildSpeechFixture } from '../../testing/speech-fixture.ts';
import { loadHostConfig } from '../config/host-config.ts';
import type { PcmOutput } from '../playback/pcm-output.ts';
import { MemorySegmentSink } from '../segments/memory-segment-sink.ts';
import { SessionCore } from './session-core.ts';

const fixture = buildSpeechFixture();
const packets = encodeOpusFrames(fixture.stereo);

class SilentOutput implements PcmOutput {
  readonly log: string[] = [];
  begin(id: string) {
    this.log.push(`begin ${id}`);
  }
  write() {}
  end() {}
  stop() {
    this.log.push('stop');
  }
  setGain() {}
  onIdle() {}
}

function setup(env: Record<string, string> = {}) {
  const clock = new FakeClock(1_700_000_000_000);
  const config = loadHostConfig({ VOICE_HOST_SECRET: 'x'.repeat(20), ...env });
  const sink = new MemorySegmentSink();
  const published: Envelope[] = [];
  const output = new SilentOutput();
  const deferred: Array<() => void> = [];
  const core = new SessionCore({
    info: {
      session_id: 'vs-1',
      provider: 'discord',
      tenant: 'duck',
      guild_id: '1',
      channel_id: '2',
      self_mute: false,
      self_deaf: false,
    },
    config,
    sink,
    scheduler: clock,
    output,
    publish: (e) => published.push(e),
    log: () => {},
    defer: (fn) => deferred.push(fn),
  });
  return { clock, core, sink, published, output };
}

/** Feeds the speech in (fake) real time through the core, ticking every 10 ms. */
async function speak(core: SessionCore, clock: FakeClock, user: string) {
  const stream = layOutStream(packets, { startMs: clock.now() });
  for (const p of stream) {
    while (clock.now() + 10 <= p.arrivalMs) {
      clock.advance(10);
      core.tick(clock.now());
    }
    core.pipeline.onPacket(user, p.opus, p.header, p.arrivalMs);
  }
  for (let i = 0; i < 100; i++) {
    clock.advance(10);
    core.tick(clock.now());
  }
  await core.publisher.idle();
}

describe('SessionCore', () => {
  it('publishes one voice.audio.segment per phrase with the idempotency key as its id', async () => {
    const { clock, core, sink } = setup();
    await speak(core, clock, '77');
    const ids = [...sink.segments.keys()];
    expect(ids).toHaveLength(3);
    for (const [id, w] of sink.segments) {
      const p = w.envelope.payload;
      expect(id).toBe(`vs-1:${p.segment_id}`);
      expect(p.segment_id).toBe(`77-${p.ts_start}`);
      expect(p.blob_key).toBe(`voice/discord/duck/vs-1/${p.segment_id}.pcm`);
      expect(w.pcm.byteLength).toBe((p.ts_end - p.ts_start) * 48 * 2);
      expect(w.envelope.dst).toBe('promethean.p.discord.t.duck.voice.audio.segment');
    }
  });

  it('interrupts playback when a user starts speaking and publishes interrupted_reply_id', async () => {
    const { clock, core, published, output } = setup();
    core.play(
      {
        session_id: 'vs-1',
        reply_id: 'reply-9',
        seq: 0,
        last: false,
        format: { encoding: 'pcm_s16le', sample_rate: 24_000, channels: 1 },
        blob_key: 'tts/reply-9/0',
        duration_ms: 1_000,
      },
      new Uint8Array(48_000),
    );
    expect(output.log).toEqual(['begin reply-9']);
    await speak(core, clock, '77');
    const speaking = published.filter((e) => e.intent === VoiceStateSpeaking.intent).map((e) => e.payload);
    expect(speaking[0]).toEqual({
      session_id: 'vs-1',
      user_id: '77',
      speaking: true,
      interrupted_reply_id: 'reply-9',
    });
    expect(speaking.filter((p) => (p as { speaking: boolean }).speaking)).toHaveLength(3);
    expect(speaking.slice(1).every((p) => !('interrupted_reply_id' in (p as object)))).toBe(true);
    expect(output.log).toEqual(['begin reply-9', 'stop']);
  });

  it('reports DEGRADED with the dropped count when the receive queue overflows, and recovers', () => {
    const { clock, core } = setup({ PACKET_QUEUE_CAPACITY: '8', DEGRADED_WINDOW_MS: '1000' });
    for (const p of layOutStream(packets.slice(0, 20), { startMs: clock.now() })) {
      core.pipeline.onPacket('77', p.opus, p.header, p.arrivalMs);
    }
    const h = core.health('ready', true, clock.now());
    expect(h.state).toBe('DEGRADED');
    expect(h.dropped_frames).toBe(12);
    expect(h.reason).toBe('dropped 12 frames (receive queue full)');
    core.pipeline.process();
    clock.advance(1_000);
    expect(core.health('ready', true, clock.now()).state).toBe('RUNNING');
  });
});
