/**
 * Builds a deterministic speech recording for tests and the benchmark: fixed espeak-ng phrases (voice,
 * rate, pitch pinned), trimmed with sox, converted to Discord's 48 kHz stereo s16le and joined with
 * silences of known length, so the true speech boundaries are known to the sample.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const VOICE = 'en-us';
const RATE_WPM = '160';
const PITCH = '50';
/** sox `silence` trim level: leading/trailing audio below 1% of full scale (-40 dBFS) is cut. */
const TRIM_LEVEL = '1%';

/** The phrases and the silences around them (ms): silence[0], phrase[0], silence[1], ... silence[n]. */
export const DEFAULT_SCRIPT = {
  phrases: ['hello duck how are you today', 'please tell me a story about the sea', 'thank you goodbye'],
  silencesMs: [600, 700, 1_000, 800],
} as const;

export interface SpeechFixture {
  /** Interleaved stereo s16 at 48 kHz. */
  readonly stereo: Int16Array;
  readonly durationMs: number;
  /** Where each phrase starts and ends (ms from the start). */
  readonly speech: ReadonlyArray<{ readonly startMs: number; readonly endMs: number }>;
}

export interface SpeechScript {
  readonly phrases: readonly string[];
  readonly silencesMs: readonly number[];
}

/** The tools' versions are part of the cache key: another espeak-ng or sox may make other audio. */
function toolVersions(): string {
  return [execFileSync('espeak-ng', ['--version']), execFileSync('sox', ['--version'])].join('|');
}

function cacheDir(script: SpeechScript): string {
  const key = createHash('sha256')
    .update(JSON.stringify({ script, VOICE, RATE_WPM, PITCH, TRIM_LEVEL, tools: toolVersions() }))
    .digest('hex')
    .slice(0, 16);
  const dir = join(tmpdir(), 'promethean-voice-fixtures', key);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** One phrase as trimmed 48 kHz stereo s16le, made once and cached by its parameters. */
function phrasePcm(dir: string, index: number, text: string): Int16Array {
  const raw = join(dir, `phrase-${index}.pcm`);
  if (!existsSync(raw)) {
    const wav = join(dir, `phrase-${index}.wav`);
    const trimmed = join(dir, `phrase-${index}.trimmed.wav`);
    execFileSync('espeak-ng', ['-v', VOICE, '-s', RATE_WPM, '-p', PITCH, '-w', wav, text]);
    // silence 1 … trims the start; reverse, trim again, reverse back trims the end.
    execFileSync('sox', [
      wav,
      trimmed,
      'silence',
      '1',
      '0.005',
      TRIM_LEVEL,
      'reverse',
      'silence',
      '1',
      '0.005',
      TRIM_LEVEL,
      'reverse',
    ]);
    const tmp = `${raw}.${process.pid}.tmp`;
    execFileSync('sox', [
      trimmed,
      '-r',
      '48000',
      '-c',
      '2',
      '-b',
      '16',
      '-e',
      'signed-integer',
      '-t',
      'raw',
      tmp,
    ]);
    renameSync(tmp, raw);
  }
  const bytes = readFileSync(raw);
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
}

/** Stereo frames (samples per channel) for a duration, rounded to whole 20 ms frames. */
function silenceFrames(ms: number): number {
  return Math.round(ms / 20) * 960;
}

/** Builds (or reuses) the fixture for a script; needs `espeak-ng` and `sox` on PATH. */
export function buildSpeechFixture(script: SpeechScript = DEFAULT_SCRIPT): SpeechFixture {
  if (script.silencesMs.length !== script.phrases.length + 1) {
    throw new Error('a speech script needs one more silence than phrases');
  }
  const dir = cacheDir(script);
  const parts: Int16Array[] = [];
  const speech: Array<{ startMs: number; endMs: number }> = [];
  let at = 0;
  const add = (pcm: Int16Array) => {
    parts.push(pcm);
    at += pcm.length / 2;
  };
  script.phrases.forEach((text, i) => {
    add(new Int16Array(silenceFrames(script.silencesMs[i]!) * 2));
    const pcm = phrasePcm(dir, i, text);
    speech.push({ startMs: at / 48, endMs: at / 48 + pcm.length / 2 / 48 });
    add(pcm);
  });
  add(new Int16Array(silenceFrames(script.silencesMs.at(-1)!) * 2));
  // Pad to whole 20 ms frames.
  const padded = Math.ceil(at / 960) * 960;
  add(new Int16Array((padded - at) * 2));
  const stereo = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    stereo.set(p, o);
    o += p.length;
  }
  return { stereo, durationMs: stereo.length / 2 / 48, speech };
}
