import { describe, expect, it } from 'vitest';
import { emptySequencerState, type PlayItem } from './playback-sequencer.ts';
import { PlaybackStream } from './playback-stream.ts';

function chunk(reply: string, seq: number, last: boolean): PlayItem {
  return {
    session_id: 's',
    reply_id: reply,
    seq,
    last,
    format: { encoding: 'pcm_s16le', sample_rate: 24_000, channels: 1 },
    blob_key: `voice/${reply}/${seq}.pcm`,
    duration_ms: 500,
    timing: { speech_end: 100, hops: [] },
  };
}

/** An outlet that refuses while `down` is set, and records what it took. */
function outlet() {
  const taken: string[] = [];
  const o = {
    down: false,
    taken,
    deliver: async (item: PlayItem) => {
      if (o.down) return { ok: false, reason: 'no voice host connected' };
      await new Promise((r) => setTimeout(r, 1)); // a real call yields: submits must not interleave
      taken.push(`${item.reply_id}${item.seq}`);
      return { ok: true };
    },
  };
  return o;
}

describe('PlaybackStream', () => {
  it('keeps what the host refused, in order, and delivers it on the next tick', async () => {
    const out = outlet();
    const stream = new PlaybackStream(emptySequencerState(), out);
    out.down = true;
    const report = await stream.submit({ kind: 'chunk', item: chunk('a', 0, false) }, 1);
    expect(report).toMatchObject({ accepted: true, delivered: 1, undelivered: 1 });
    await stream.submit({ kind: 'chunk', item: chunk('a', 1, true) }, 2);
    expect(stream.state.outbox.map((i) => i.seq)).toEqual([0, 1]);
    out.down = false;
    expect(await stream.tick(3)).toMatchObject({ undelivered: 0 });
    expect(out.taken).toEqual(['a0', 'a1']);
  });

  it('applies concurrent submits one at a time, so chunks reach the host in order', async () => {
    const out = outlet();
    const stream = new PlaybackStream(emptySequencerState(), out);
    await Promise.all([
      stream.submit({ kind: 'chunk', item: chunk('a', 0, false) }, 1),
      stream.submit({ kind: 'chunk', item: chunk('a', 1, false) }, 1),
      stream.submit({ kind: 'chunk', item: chunk('b', 0, true) }, 1),
      stream.submit({ kind: 'chunk', item: chunk('a', 2, true) }, 1),
    ]);
    expect(out.taken).toEqual(['a0', 'a1', 'a2', 'b0']);
  });

  it('drops what the host never took when told to, and reports the first chunk of each reply', async () => {
    const out = outlet();
    const stream = new PlaybackStream(emptySequencerState(), out);
    out.down = true;
    const refused = await stream.submit({ kind: 'chunk', item: chunk('a', 0, false) }, 5);
    expect(refused.started).toEqual([]); // not started until the host took its first chunk
    out.down = false;
    const taken = await stream.submit({ kind: 'chunk', item: chunk('b', 0, true) }, 6);
    expect(taken.started?.map((s) => [s.reply_id, s.at])).toEqual([['a', 5]]);
    out.down = true;
    await stream.submit({ kind: 'chunk', item: chunk('a', 1, true) }, 7);
    expect(stream.dropUndelivered()).toBe(2);
    expect(stream.state.outbox).toEqual([]);
  });
});
