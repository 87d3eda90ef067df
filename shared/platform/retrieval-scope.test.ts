import { describe, expect, it } from 'vitest';
import { retrievalFilter, retrievalScopeSetting } from './retrieval-scope.ts';

describe('retrievalFilter', () => {
  it('limits to the channel by default, and to the guild only where the tenant opts in', () => {
    expect(retrievalFilter('channel', { channelId: 'c1', spaceId: 'g1' })).toEqual({ channel_id: 'c1' });
    expect(retrievalFilter('guild', { channelId: 'c1', spaceId: 'g1' })).toEqual({ space_id: 'g1' });
  });

  it('keeps a direct message to its own conversation even under guild scope', () => {
    expect(retrievalFilter('guild', { channelId: 'dm1' })).toEqual({ channel_id: 'dm1' });
    expect(retrievalFilter('guild', { channelId: 'dm1', spaceId: '' })).toEqual({ channel_id: 'dm1' });
  });

  it('reads unknown settings (the old "tenant" scope included) as channel', () => {
    expect(retrievalScopeSetting(undefined)).toBe('channel');
    expect(retrievalScopeSetting('tenant')).toBe('channel');
    expect(retrievalScopeSetting('guild')).toBe('guild');
  });
});
