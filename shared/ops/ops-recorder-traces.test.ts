/** The recorder's trace hops and moderation notices: handed over once, kept through a failed flush. */
import { ModerationNotice } from '@promethean/schemas/ops/moderation-notice';
import { describe, expect, it } from 'vitest';
import { createEnvelope, sequentialIds } from '../agent/envelope-factory.ts';
import { testEnvelopes } from '../testing/test-envelopes.ts';
import { OpsRecorder } from './ops-recorder.ts';

const take = (r: OpsRecorder) => r.takeDelta({ worker: 'w', isolate: 'i', at: 0, health: [] });

describe('OpsRecorder traces and moderation', () => {
  it('records one hop per handling agent with the trace and parent, and restores them after a failed flush', () => {
    const recorder = new OpsRecorder();
    const root = testEnvelopes().chat('hello');
    const child = createEnvelope(
      ModerationNotice,
      {
        agent: 'cephalon',
        kind: 'mentions_defused',
        source_urn: 'urn:discord:message:duck:1',
        detail: 'two mentions made inert',
        count: 2,
      },
      { src: 'cephalon', provider: 'discord', tenant: 'duck', from: root, ids: sequentialIds('n') },
    );
    recorder.hop('message-indexer', root);
    recorder.hop('cephalon', root);
    recorder.moderation(child);
    recorder.moderation(child);
    recorder.moderation(root);
    const delta = take(recorder);
    expect(delta.hops?.map((h) => [h.agent, h.id, h.trace, h.parent])).toEqual([
      ['message-indexer', root.id, root.id, undefined],
      ['cephalon', root.id, root.id, undefined],
    ]);
    expect(delta.moderation).toEqual([
      {
        id: child.id,
        provider: 'discord',
        tenant: 'duck',
        ts: child.ts,
        agent: 'cephalon',
        kind: 'mentions_defused',
        source_urn: 'urn:discord:message:duck:1',
        detail: 'two mentions made inert',
        count: 2,
        trace: root.id,
      },
    ]);
    expect(recorder.isEmpty()).toBe(true);
    recorder.restore(delta);
    const again = take(recorder);
    expect(again.hops).toEqual(delta.hops);
    expect(again.moderation).toEqual(delta.moderation);
  });
});
