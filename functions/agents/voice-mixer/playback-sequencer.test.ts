import { describe, expect, it } from 'vitest';
import { emptySequencerState, PlaybackSequencer, type PlayItem } from './playback-sequencer.ts';

const OPTIONS = { orderHoldMs: 4_000, gapTimeoutMs: 5_000 };

function chunk(
  reply: string,
  seq: number,
  last: boolean,
  speechEnd: number,
  segment = `seg-${reply}`,
): PlayItem {
  return {
    session_id: 's',
    reply_id: reply,
    seq,
    last,
    format: { encoding: 'pcm_s16le', sample_rate: 24_000, channels: 1 },
    blob_key: `voice/${reply}/${seq}.pcm`,
    duration_ms: 500,
    segment_id: segment,
    timing: { speech_end: speechEnd, hops: [] },
  };
}

const utterance = (segment: string, speechEnd: number, expects = true) =>
  ({
    kind: 'utterance',
    session_id: 's',
    segment_id: segment,
    speech_end: speechEnd,
    expects_reply: expects,
  }) as const;

function sequencer() {
  const s = new PlaybackSequencer(emptySequencerState(), OPTIONS);
  const out: string[] = [];
  const take = () => {
    out.push(...s.takeOutbox().items.map((i) => `${i.reply_id}${i.seq}`));
    return out;
  };
  return { s, take };
}

describe('PlaybackSequencer', () => {
  it('hands over a reply’s chunks in seq order whatever order they arrive in', () => {
    const { s, take } = sequencer();
    for (const seq of [2, 0, 1]) s.apply({ kind: 'chunk', item: chunk('a', seq, seq === 2, 100) }, 1_000);
    expect(take()).toEqual(['a0', 'a1', 'a2']);
    expect(s.state.finished).toEqual(['a']);
  });

  it('never starts a second reply before the first was handed over completely', () => {
    const { s, take } = sequencer();
    s.apply({ kind: 'chunk', item: chunk('a', 0, false, 100) }, 1_000);
    s.apply({ kind: 'chunk', item: chunk('b', 0, true, 200) }, 1_000);
    expect(take()).toEqual(['a0']);
    s.apply({ kind: 'chunk', item: chunk('a', 1, true, 100) }, 1_100);
    expect(take()).toEqual(['a0', 'a1', 'b0']);
  });

  it('plays replies in the order of their utterances when the later one is ready first', () => {
    const { s, take } = sequencer();
    s.apply(utterance('seg-a', 100), 900);
    s.apply(utterance('seg-b', 200), 950);
    s.apply({ kind: 'chunk', item: chunk('b', 0, true, 200) }, 1_000);
    expect(take()).toEqual([]); // the reply to the earlier utterance is still being written
    s.apply({ kind: 'chunk', item: chunk('a', 0, true, 100) }, 1_200);
    expect(take()).toEqual(['a0', 'b0']);
  });

  it('stops waiting for an earlier utterance’s reply after the hold, and for noise not at all', () => {
    const { s, take } = sequencer();
    s.apply(utterance('seg-noise', 50, false), 900);
    s.apply(utterance('seg-a', 100), 900);
    s.apply({ kind: 'chunk', item: chunk('b', 0, true, 200) }, 1_000);
    expect(take()).toEqual([]);
    expect(s.nextDeadline()).toBe(900 + OPTIONS.orderHoldMs);
    s.pump(900 + OPTIONS.orderHoldMs);
    expect(take()).toEqual(['b0']);
  });

  it('releases replies held behind an utterance whose transcript turned out to be noise', () => {
    const { s, take } = sequencer();
    s.apply(utterance('seg-a', 100), 900); // announced by its segment: a reply may come
    s.apply({ kind: 'chunk', item: chunk('b', 0, true, 200) }, 1_000);
    expect(take()).toEqual([]);
    expect(s.apply(utterance('seg-a', 100, false), 1_100).accepted).toBe(true); // its transcript: noise
    expect(take()).toEqual(['b0']);
    expect(s.apply(utterance('seg-a', 100, false), 1_200).reason).toBe('duplicate');
  });

  it('refuses redelivered and finished chunks', () => {
    const { s, take } = sequencer();
    expect(s.apply({ kind: 'chunk', item: chunk('a', 0, false, 100) }, 1_000).accepted).toBe(true);
    expect(s.apply({ kind: 'chunk', item: chunk('a', 0, false, 100) }, 1_000)).toMatchObject({
      accepted: false,
      reason: 'duplicate',
    });
    s.apply({ kind: 'chunk', item: chunk('a', 1, true, 100) }, 1_000);
    expect(s.apply({ kind: 'chunk', item: chunk('a', 1, true, 100) }, 1_000).reason).toBe('finished-reply');
    expect(take()).toEqual(['a0', 'a1']);
  });

  it('drops the rest of an interrupted reply and moves on to the next', () => {
    const { s, take } = sequencer();
    s.apply({ kind: 'chunk', item: chunk('a', 0, false, 100) }, 1_000);
    s.apply({ kind: 'chunk', item: chunk('b', 0, true, 200) }, 1_000);
    expect(take()).toEqual(['a0']);
    s.apply({ kind: 'interrupt', session_id: 's', reply_id: 'a' }, 1_100);
    expect(s.apply({ kind: 'chunk', item: chunk('a', 1, true, 100) }, 1_200).reason).toBe('finished-reply');
    expect(take()).toEqual(['a0', 'b0']);
  });

  it('skips a reply stuck on a missing chunk for the gap timeout', () => {
    const { s, take } = sequencer();
    s.apply({ kind: 'chunk', item: chunk('a', 0, false, 100) }, 1_000);
    s.apply({ kind: 'chunk', item: chunk('a', 2, true, 100) }, 1_000);
    s.apply({ kind: 'chunk', item: chunk('b', 0, true, 200) }, 1_000);
    expect(take()).toEqual(['a0']);
    expect(s.nextDeadline()).toBe(1_000 + OPTIONS.gapTimeoutMs);
    s.pump(1_000 + OPTIONS.gapTimeoutMs);
    expect(take()).toEqual(['a0', 'b0']);
  });

  it('records when each reply’s first chunk went out, and starts afresh at the end of a session', () => {
    const { s } = sequencer();
    s.apply({ kind: 'chunk', item: chunk('a', 0, true, 100) }, 1_234);
    expect(s.takeOutbox().started).toMatchObject([{ reply_id: 'a', at: 1_234, first: { seq: 0 } }]);
    s.apply({ kind: 'chunk', item: chunk('b', 0, false, 200) }, 1_300);
    s.apply({ kind: 'end', session_id: 's' }, 1_400);
    expect(s.state).toEqual(emptySequencerState());
  });

  it('puts undelivered chunks back in front, in order', () => {
    const { s } = sequencer();
    s.apply({ kind: 'chunk', item: chunk('a', 0, false, 100) }, 1_000);
    const { items } = s.takeOutbox();
    s.apply({ kind: 'chunk', item: chunk('a', 1, true, 100) }, 1_001);
    s.requeue(items);
    expect(s.takeOutbox().items.map((i) => i.seq)).toEqual([0, 1]);
  });
});
