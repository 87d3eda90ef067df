import { describe, expect, it } from 'vitest';
import { fromUrn, toUrn, UrnError } from './urns.ts';

describe('urns', () => {
  it('round-trips parts, including ids with colons', () => {
    const parts = { provider: 'discord', kind: 'message', tenant: 'duck', id: '123:456' };
    expect(fromUrn(toUrn(parts))).toEqual(parts);
    expect(toUrn(parts)).toBe('urn:discord:message:duck:123:456');
  });

  it.each([
    'urn:discord:message:duck',
    'urn:Discord:message:duck:1',
    'urn:discord::duck:1',
    'urn:discord:message:duck:',
    'urn:discord:message:duck:has space',
    'nope:discord:message:duck:1',
    '',
  ])('rejects %j', (junk) => {
    expect(() => fromUrn(junk)).toThrow(UrnError);
  });

  it('refuses to build from malformed parts', () => {
    expect(() => toUrn({ provider: 'dis.cord', kind: 'message', tenant: 'duck', id: '1' })).toThrow(
      /provider/,
    );
  });
});
