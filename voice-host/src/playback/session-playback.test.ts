import { AudioPlayerStatus, createAudioPlayer, entersState, NoSubscriberBehavior } from '@discordjs/voice';
import { describe, expect, it } from 'vitest';
import { AudioPlayerOutput } from './audio-player-output.ts';
import type { PcmOutput } from './pcm-output.ts';
import type { PlayItem } from './playback-queue.ts';
import { type InterruptMode, SessionPlayback } from './session-playback.ts';

/** Records what reaches the output; `finish()` plays the current reply to its end. */
class RecordingOutput implements PcmOutput {
  readonly events: string[] = [];
  readonly samples = new Map<string, number>();
  gain = 1;
  current: string | undefined;
  #idle: Array<(id: string) => void> = [];
  begin(id: string) {
    this.current = id;
    this.events.push(`begin ${id}`);
  }
  write(pcm: Int16Array) {
    this.samples.set(this.current!, (this.samples.get(this.current!) ?? 0) + pcm.length);
  }
  end() {
    this.events.push(`end ${this.current}`);
  }
  stop() {
    this.events.push(`stop ${this.current}`);
    this.current = undefined;
  }
  setGain(g: number) {
    this.gain = g;
  }
  onIdle(l: (id: string) => void) {
    this.#idle.push(l);
  }
  finish() {
    const id = this.current!;
    this.current = undefined;
    for (const l of this.#idle) l(id);
  }
}

const item = (reply_id: string, seq: number, last: boolean, ms = 100): PlayItem => ({
  session_id: 's1',
  reply_id,
  seq,
  last,
  format: { encoding: 'pcm_s16le', sample_rate: 24_000, channels: 1 },
  blob_key: `tts/${reply_id}/${seq}`,
  duration_ms: ms,
});
const pcm = (ms: number) => new Uint8Array(ms * 24 * 2).fill(7);

function setup(mode: InterruptMode = 'stop') {
  let now = 0;
  const output = new RecordingOutput();
  const playback = new SessionPlayback({
    output,
    interruptMode: mode,
    duckGain: 0.25,
    gapTimeoutMs: 2_000,
    now: () => now,
  });
  return { output, playback, advance: (ms: number) => (now += ms) };
}

describe('SessionPlayback', () => {
  it('plays replies one at a time, in arrival order, each in seq order, resampled to 48 kHz stereo', () => {
    const { output, playback } = setup();
    playback.enqueue(item('a', 1, true), pcm(100));
    playback.enqueue(item('b', 0, true), pcm(100));
    expect(output.events).toEqual([]); // a's seq 0 has not arrived: nothing may play yet
    playback.enqueue(item('a', 0, false), pcm(100));
    expect(output.events).toEqual(['begin a', 'end a']);
    expect(output.samples.get('a')).toBe(200 * 48 * 2);
    output.finish();
    expect(output.events).toEqual(['begin a', 'end a', 'begin b', 'end b']);
  });

  it('ignores a redelivered chunk', () => {
    const { output, playback } = setup();
    expect(playback.enqueue(item('a', 0, false), pcm(100))).toBe('queued');
    expect(playback.enqueue(item('a', 0, false), pcm(100))).toBe('duplicate');
    expect(output.samples.get('a')).toBeLessThanOrEqual(100 * 48 * 2);
  });

  it('stops on interruption, reports the reply, drops its later chunks and waits for the speaker', () => {
    const { output, playback } = setup('stop');
    playback.enqueue(item('a', 0, false), pcm(100));
    playback.enqueue(item('b', 0, true), pcm(100));
    expect(playback.speaking('ada', true)).toBe('a');
    expect(output.events).toEqual(['begin a', 'stop a']);
    expect(playback.enqueue(item('a', 1, true), pcm(100))).toBe('finished-reply');
    expect(output.events).toEqual(['begin a', 'stop a']); // b waits while ada speaks
    playback.speaking('ada', false);
    expect(output.events).toEqual(['begin a', 'stop a', 'begin b', 'end b']);
    expect(playback.stats().interrupted).toBe(1);
  });

  it('ducks instead of stopping when configured, and restores the gain after the speaker stops', () => {
    const { output, playback } = setup('duck');
    playback.enqueue(item('a', 0, true), pcm(100));
    expect(playback.speaking('ada', true)).toBe('a');
    expect(output.gain).toBe(0.25);
    expect(output.events).toEqual(['begin a', 'end a']);
    playback.speaking('ada', false);
    expect(output.gain).toBe(1);
  });

  it('skips a reply stuck on a missing chunk after the gap timeout', () => {
    const { output, playback, advance } = setup();
    playback.enqueue(item('a', 0, false), pcm(100));
    playback.enqueue(item('b', 0, true), pcm(100));
    advance(1_000);
    playback.pump();
    expect(output.events).toEqual(['begin a']);
    advance(1_500);
    playback.pump();
    expect(output.events).toEqual(['begin a', 'end a']);
    output.finish();
    expect(output.events).toEqual(['begin a', 'end a', 'begin b', 'end b']);
    expect(playback.stats().skipped).toBe(1);
  });

  it('drives a real AudioPlayer: playing, then idle after an interruption', async () => {
    const player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Play } });
    const playback = new SessionPlayback({
      output: new AudioPlayerOutput(player),
      interruptMode: 'stop',
      duckGain: 0.25,
      gapTimeoutMs: 2_000,
      now: () => Date.now(),
    });
    playback.enqueue(item('a', 0, true, 2_000), pcm(2_000));
    await entersState(player, AudioPlayerStatus.Playing, 5_000);
    expect(playback.speaking('ada', true)).toBe('a');
    await entersState(player, AudioPlayerStatus.Idle, 5_000);
    expect(playback.stats().playing).toBeUndefined();
    player.stop(true);
  });

  it('plays a short reply on a real AudioPlayer to its end and reports it played', async () => {
    const player = createAudioPlayer({ behaviors: { noSubscriber: NoSubscriberBehavior.Play } });
    const playback = new SessionPlayback({
      output: new AudioPlayerOutput(player),
      interruptMode: 'stop',
      duckGain: 0.25,
      gapTimeoutMs: 2_000,
      now: () => Date.now(),
    });
    const idle = new Promise<void>((resolve) => {
      player.on('stateChange', (_o, n) => {
        if (n.status === AudioPlayerStatus.Idle) resolve();
      });
    });
    playback.enqueue(item('a', 0, true, 200), pcm(200));
    await idle;
    expect(playback.stats().played).toBe(1);
  });
});
