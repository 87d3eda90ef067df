/**
 * Which transcripts get a spoken reply: not empty ones, not noise. Speech-to-text models answer silence,
 * coughs and music with empty text, bracketed markers ("[BLANK_AUDIO]", "(music)") or a lone filler
 * sound; none of those is someone talking to Duck.
 */

/** Filler sounds that are not an utterance on their own. */
const FILLERS: ReadonlySet<string> = new Set([
  'uh',
  'um',
  'uhm',
  'hm',
  'hmm',
  'mm',
  'mhm',
  'ah',
  'eh',
  'oh',
  'er',
  'erm',
]);

/** Why a transcript gets no reply, or undefined when it does. */
export function noiseReason(text: string): string | undefined {
  const spoken = text
    .replace(/\[[^\]]*\]|\([^)]*\)|\*[^*]*\*/g, ' ') // [BLANK_AUDIO], (music), *coughs*
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .trim()
    .toLowerCase();
  if (spoken === '') return text.trim() === '' ? 'empty transcript' : 'only non-speech markers';
  const words = spoken.split(/\s+/);
  if (words.every((w) => FILLERS.has(w))) return 'only filler sounds';
  if (spoken.replace(/[^\p{L}\p{N}]/gu, '').length < 2) return 'too short to be an utterance';
  return undefined;
}
