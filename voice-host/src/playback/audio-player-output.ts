/** The production PCM output: one @discordjs/voice AudioResource (raw PCM → Opus) per reply on an AudioPlayer. */
import { PassThrough } from 'node:stream';
import {
  type AudioPlayer,
  AudioPlayerStatus,
  type AudioResource,
  createAudioResource,
  StreamType,
} from '@discordjs/voice';
import type { PcmOutput } from './pcm-output.ts';

interface Current {
  readonly replyId: string;
  readonly stream: PassThrough;
  readonly resource: AudioResource<{ replyId: string }>;
}

/**
 * Feeds raw 48 kHz stereo s16le into an AudioResource with inline volume (so ducking works while the
 * reply plays; the encoder's read-ahead makes a gain change audible after roughly 300 ms).
 */
export class AudioPlayerOutput implements PcmOutput {
  readonly #player: AudioPlayer;
  #current: Current | undefined;
  #gain = 1;
  readonly #listeners: Array<(replyId: string) => void> = [];

  constructor(player: AudioPlayer) {
    this.#player = player;
    player.on('stateChange', (oldState, newState) => {
      if (newState.status !== AudioPlayerStatus.Idle || oldState.status === AudioPlayerStatus.Idle) return;
      const finished = (oldState as { resource?: AudioResource<{ replyId: string }> }).resource;
      const replyId = finished?.metadata.replyId;
      if (replyId === undefined || replyId !== this.#current?.replyId) return;
      this.#current = undefined;
      for (const l of this.#listeners) l(replyId);
    });
    // A resource error ends it (the player goes idle); the session keeps running.
    player.on('error', () => {});
  }

  begin(replyId: string): void {
    const stream = new PassThrough({ highWaterMark: 1 << 20 });
    const resource = createAudioResource(stream, {
      inputType: StreamType.Raw,
      inlineVolume: true,
      metadata: { replyId },
    });
    resource.volume?.setVolume(this.#gain);
    this.#current = { replyId, stream, resource };
    this.#player.play(resource);
  }

  write(pcm: Int16Array): void {
    this.#current?.stream.write(Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength));
  }

  end(): void {
    this.#current?.stream.end();
  }

  stop(): void {
    const current = this.#current;
    this.#current = undefined;
    if (current === undefined) return;
    current.stream.destroy();
    this.#player.stop(true);
  }

  setGain(gain: number): void {
    this.#gain = gain;
    this.#current?.resource.volume?.setVolume(gain);
  }

  onIdle(listener: (replyId: string) => void): void {
    this.#listeners.push(listener);
  }
}
