import { describe, expect, it } from 'vitest';
import {
  describeEchoCommand,
  MalformedEchoInteractionError,
  readEchoInteraction,
} from './echo-interaction.ts';

describe('echo interactions', () => {
  it('reads a command into a provider-neutral call with echo URNs', () => {
    const reading = readEchoInteraction(
      {
        type: 'command',
        id: 'i1',
        command: 'voice',
        subcommand: 'join',
        options: { channel: { channel: 'lounge', kind: 'voice' } },
        user: { id: 'ada', name: 'Ada' },
      },
      'demo',
    );
    expect(reading).toEqual({
      kind: 'command',
      call: {
        interaction_id: 'i1',
        interaction_urn: 'urn:echo:interaction:demo:i1',
        command: 'voice',
        subcommand: 'join',
        options: {
          channel: {
            channel: { urn: 'urn:echo:channel:demo:lounge', foreign_id: 'lounge', name: 'lounge' },
            kind: 'voice',
          },
        },
        user: { urn: 'urn:echo:user:demo:ada', foreign_id: 'ada', name: 'Ada' },
        channel: { urn: 'urn:echo:channel:demo:general', foreign_id: 'general', name: 'general' },
      },
    });
    if (reading.kind === 'command')
      expect(describeEchoCommand(reading.call)).toBe('/voice join channel:#lounge');
  });

  it('reads a ping, and refuses anything else with the problem named', () => {
    expect(readEchoInteraction({ type: 'ping', id: 'p1' }, 'demo')).toEqual({
      kind: 'ping',
      interaction_id: 'p1',
    });
    expect(() => readEchoInteraction({ type: 'command', id: 'X!' }, 'demo')).toThrow(
      MalformedEchoInteractionError,
    );
    expect(() => readEchoInteraction({ type: 'command', id: 'X!' }, 'demo')).toThrow(/id: lowercase/);
  });
});
