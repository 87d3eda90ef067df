import { describe, expect, it } from 'vitest';
import { noiseReason } from './voice-transcript.ts';

describe('noiseReason', () => {
  it.each([
    ['', 'empty transcript'],
    ['   ', 'empty transcript'],
    ['[BLANK_AUDIO]', 'only non-speech markers'],
    ['(music) *coughs* ...', 'only non-speech markers'],
    ['Hmm.', 'only filler sounds'],
    ['uh, um', 'only filler sounds'],
    ['a', 'too short to be an utterance'],
  ])('gives no reply to %j', (text, reason) => {
    expect(noiseReason(text)).toBe(reason);
  });

  it.each(['Duck, what time is it?', 'no', 'hi', "what's up", '[BLANK_AUDIO] are you there?', 'Ça va ?'])(
    'answers %j',
    (text) => {
      expect(noiseReason(text)).toBeUndefined();
    },
  );
});
