import { describe, expect, it } from 'vitest';
import {
  CATCH_UP_ACTIVE_MS,
  CATCH_UP_CHANNELS,
  CATCH_UP_MESSAGE_LIMIT,
  catchUpEnqueues,
  markChannel,
} from './gap-catch-up.ts';

const msg = (id: bigint, channel: string) => ({ id: String(id), channel_id: channel, guild_id: '8001' });

describe('gap catch-up', () => {
  it('keeps the newest message per channel and never moves a mark backwards', () => {
    let marks = markChannel([], 'MESSAGE_CREATE', msg(1300n, '71'), 1);
    marks = markChannel(marks, 'MESSAGE_CREATE', msg(1200n, '71'), 2);
    marks = markChannel(marks, 'MESSAGE_UPDATE', msg(1500n, '71'), 3);
    expect(marks).toEqual([{ channel_id: '71', guild_id: '8001', last_id: '1300', at: 2 }]);
  });

  it('remembers a bounded number of channels, dropping the least recently active', () => {
    let marks = markChannel([], 'MESSAGE_CREATE', msg(1n, 'first'), 0);
    for (let i = 0; i < CATCH_UP_CHANNELS; i++)
      marks = markChannel(marks, 'MESSAGE_CREATE', msg(2n, `c${i}`), 1);
    expect(marks).toHaveLength(CATCH_UP_CHANNELS);
    expect(marks.some((m) => m.channel_id === 'first')).toBe(false);
  });

  it('starts one bounded job per recently active channel, down to its last message', () => {
    const now = 10 * CATCH_UP_ACTIVE_MS;
    let marks = markChannel([], 'MESSAGE_CREATE', msg(1300n, '71'), now - CATCH_UP_ACTIVE_MS - 1);
    marks = markChannel(marks, 'MESSAGE_CREATE', msg(1400n, '72'), now - 5);
    const jobs = catchUpEnqueues('duck', 'sess', marks, now);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.id).toBe('backfill:catch-up-sess-72:enqueue:0');
    expect(jobs[0]!.payload).toMatchObject({
      job_id: 'catch-up-sess-72',
      channel: { urn: 'urn:discord:channel:duck:72', foreign_id: '72' },
      after: '1400',
      space_id: '8001',
      limit: CATCH_UP_MESSAGE_LIMIT,
    });
  });
});
