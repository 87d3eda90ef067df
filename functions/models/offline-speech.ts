/**
 * Deterministic, audible speech stand-in for offline mode: one short tone per character (pitch from
 * the character, silence for spaces and punctuation), 24 kHz mono s16le like the real TTS answer.
 * Its length is proportional to the text, so playback timing behaves like real speech.
 */

export const OFFLINE_TTS_SAMPLE_RATE = 24_000;
/** Milliseconds of audio per character of text. */
export const OFFLINE_MS_PER_CHARACTER = 60;

const AMPLITUDE = 0.25 * 32767;
const FADE_SAMPLES = 48; // 2 ms ramps, so tones start and stop without clicks

/** The PCM for `text`: `text.length * 60 ms` of audio (at least one character's worth). */
export function offlineSpeechPcm(text: string): Uint8Array {
  const perChar = Math.round((OFFLINE_TTS_SAMPLE_RATE * OFFLINE_MS_PER_CHARACTER) / 1000);
  const chars = [...text];
  const count = Math.max(1, chars.length);
  const pcm = new Uint8Array(count * perChar * 2);
  const view = new DataView(pcm.buffer);
  chars.forEach((ch, index) => {
    if (!/[\p{L}\p{N}]/u.test(ch)) return; // silence
    const frequency = 220 + ((ch.codePointAt(0) ?? 0) % 24) * 20;
    for (let i = 0; i < perChar; i++) {
      const ramp = Math.min(1, i / FADE_SAMPLES, (perChar - 1 - i) / FADE_SAMPLES);
      const sample = Math.round(
        AMPLITUDE * ramp * Math.sin((2 * Math.PI * frequency * i) / OFFLINE_TTS_SAMPLE_RATE),
      );
      view.setInt16((index * perChar + i) * 2, sample, true);
    }
  });
  return pcm;
}
