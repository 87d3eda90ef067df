/** Decodes one speaker's Opus packets to 48 kHz stereo PCM with libopus, counting (not throwing on) failures. */
import opus from '@discordjs/opus';
import { DISCORD_CHANNELS, SAMPLE_RATE } from '../audio/discord-pcm.ts';

/**
 * One libopus decoder per speaker (Opus decoding is stateful across packets). A packet that fails to
 * decode is skipped and counted; the caller fills its time with silence.
 */
export class OpusFrameDecoder {
  readonly #codec = new opus.OpusEncoder(SAMPLE_RATE, DISCORD_CHANNELS);
  #failures = 0;

  /** Packets that could not be decoded so far. */
  get failures(): number {
    return this.#failures;
  }

  /** Interleaved stereo s16 samples, or undefined when the packet is not valid Opus. */
  decode(packet: Uint8Array): Int16Array | undefined {
    try {
      const pcm = this.#codec.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength));
      return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2);
    } catch {
      this.#failures++;
      return undefined;
    }
  }
}
