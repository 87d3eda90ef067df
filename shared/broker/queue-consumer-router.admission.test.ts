import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { testRegistry } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it, vi } from 'vitest';
import { AdmissionController } from '../agent/admission-control.ts';
import { defineAgent } from '../agent/agent-definition.ts';
import { OverloadedError, RetryAfterError } from '../agent/agent-errors.ts';
import type { AgentControlState } from '../agent/agent-health.ts';
import { sequentialIds } from '../agent/envelope-factory.ts';
import { RecordingSink } from '../agent/telemetry.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { type RecordedMessage, RecordingQueue, recordedBatch } from '../testing/queue-batch-double.ts';
import { testEnvelopes } from '../testing/test-envelopes.ts';
import type { DeadLetter } from './queue-body.ts';
import { QueueBroker } from './queue-broker.ts';
import { QueueConsumerRouter, type SettledMessage } from './queue-consumer-router.ts';

const manifest = (limits = '{ max_in_flight: 1, max_in_flight_per_tenant: 1 }') => `id: slow-indexer
kind: stateless-worker
version: 1.0.0
description: an agent whose handler the test holds open
binds: { providers: ['*'], tenants: ['*'] }
inputs:
  - topic: promethean.p.*.t.*.events.SocialMessageCreated
    schema: SocialMessageCreated
idempotency_key: '{provider}:{tenant}:{payload.foreign_id}'
retry: { max_retries: 3, base_delay_s: 2, max_delay_s: 30 }
limits: ${limits}
`;

/** A handler that blocks until the test releases it, so "in flight" is real, not simulated. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

function setup(
  options: {
    handler?: () => Promise<void>;
    controls?: Record<string, AgentControlState>;
    limits?: string;
  } = {},
) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const events = new RecordingQueue();
  const access = new RecordingQueue();
  const broker = new QueueBroker({ queues: { BUS_EVENTS: events.asQueue(), BUS_ACCESS: access.asQueue() } });
  const letters: DeadLetter[] = [];
  const settled: SettledMessage[] = [];
  const admission = new AdmissionController();
  const agent = defineAgent(manifest(options.limits), 'slow.yml')
    .on(SocialMessageCreated, options.handler ?? (async () => {}))
    .build();
  const router = new QueueConsumerRouter({
    agents: [agent],
    broker,
    deadLetters: { send: async (l) => void letters.push(l) },
    deps: {
      registry: testRegistry(),
      broker,
      ports: {},
      sink: new RecordingSink(),
      clock,
      ids: sequentialIds('out'),
      runtimeIds: sequentialIds('rt'),
    },
    admission,
    controls: { control: (id) => options.controls?.[id] },
    observer: { settled: (m) => void settled.push(m) },
  });
  const envelopes = testEnvelopes();
  const message = (id: string, attempts = 1, extra: Record<string, unknown> = {}) => ({
    id,
    attempts,
    body: { v: 1, envelope: envelopes.chat(`hello ${id}`, { provider: 'echo', tenant: 'demo' }), ...extra },
  });
  return { router, events, letters, settled, admission, clock, message };
}

describe('QueueConsumerRouter admission control', () => {
  it('fails fast when the agent is full: defers with retry_after, without awaiting the blocked work', async () => {
    const held = gate();
    const { router, events, letters, message, settled } = setup({ handler: () => held.opened });
    const first = recordedBatch('promethean-events', [message('m1')]);
    const running = router.consume(first); // holds the agent's only slot until the gate opens
    const second = recordedBatch('promethean-events', [message('m2')]);
    const report = await router.consume(second); // resolves while m1 is still blocked
    expect(first.messages[0]!.settled).toBeUndefined();
    expect(report.get('m2')).toEqual({ settlement: 'deferred', delaySeconds: 1 });
    expect(second.messages[0]!.settled).toEqual({ kind: 'ack' });
    expect(events.sent).toHaveLength(1);
    expect(events.sent[0]).toMatchObject({
      delaySeconds: 1,
      body: { target: 'slow-indexer', failed_attempts: 0 },
    });
    expect((events.sent[0]!.body.envelope as { id: string }).id).toBe(
      (second.messages[0]!.body as { envelope: { id: string } }).envelope.id,
    );
    expect(letters).toEqual([]);
    expect(settled.at(-1)).toMatchObject({
      outcome: 'overloaded',
      code: 'overloaded',
      agent: 'slow-indexer',
    });
    held.open();
    await running;
    expect(first.messages[0]!.settled).toEqual({ kind: 'ack' });
  });

  it('runs a batch beyond the agent’s limit in turn on its own slots instead of deferring the surplus', async () => {
    let running = 0;
    let most = 0;
    const { router, events, settled, message, admission } = setup({
      limits: '{ max_in_flight: 4, max_in_flight_per_tenant: 2 }',
      handler: async () => {
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 1));
        running--;
      },
    });
    const batch = recordedBatch(
      'promethean-events',
      ['m1', 'm2', 'm3', 'm4', 'm5'].map((id) => message(id)),
    );
    const report = await router.consume(batch);
    expect([...report.values()]).toEqual(Array(5).fill({ settlement: 'ack' }));
    expect(batch.messages.map((m: RecordedMessage) => m.settled)).toEqual(Array(5).fill({ kind: 'ack' }));
    expect(events.sent).toEqual([]);
    expect(settled.map((m) => m.outcome)).toEqual(Array(5).fill('ok'));
    expect(most).toBe(2);
    expect(admission.inFlight()).toEqual({ 'slow-indexer': 0 });
  });

  it('wakes one waiting batch-mate per freed slot, so a large batch asks admission about twice per message', async () => {
    const { router, events, settled, message, admission } = setup({
      limits: '{ max_in_flight: 4, max_in_flight_per_tenant: 2 }',
      handler: () => new Promise((resolve) => setTimeout(resolve, 1)),
    });
    const admits = vi.spyOn(admission, 'admit');
    const ids = Array.from({ length: 30 }, (_, i) => `m${i}`);
    const report = await router.consume(
      recordedBatch(
        'promethean-events',
        ids.map((id) => message(id)),
      ),
    );
    expect([...report.values()]).toEqual(Array(30).fill({ settlement: 'ack' }));
    expect(settled.map((m) => m.outcome)).toEqual(Array(30).fill('ok'));
    expect(events.sent).toEqual([]);
    // Waking every waiter at each release made each of them retry admission and most fail (183 calls here).
    expect(admits.mock.calls.length).toBeLessThanOrEqual(2 * ids.length);
  });

  it('still defers when the slots are held by other work, even with batch-mates waiting', async () => {
    const held = gate();
    const { router, events, message } = setup({ handler: () => held.opened });
    const running = router.consume(recordedBatch('promethean-events', [message('m1')]));
    const second = recordedBatch('promethean-events', [message('m2'), message('m3')]);
    const report = await router.consume(second); // m1's slot is not this batch's: nothing waits for it
    expect(report.get('m2')).toEqual({ settlement: 'deferred', delaySeconds: 1 });
    expect(report.get('m3')).toEqual({ settlement: 'deferred', delaySeconds: 1 });
    expect(events.sent).toHaveLength(2);
    held.open();
    await running;
  });

  it("derives retry_after from the agent's observed latency, in whole seconds", async () => {
    const clock = new FakeClock(0);
    const admission = new AdmissionController();
    const agent = { id: 'a', limits: { max_in_flight: 1, max_in_flight_per_tenant: 1 } };
    admission.admit(agent, 'echo/demo').release(2_500);
    admission.admit(agent, 'echo/demo'); // now full
    const refusal = (() => {
      try {
        admission.admit(agent, 'echo/demo');
      } catch (e) {
        return e;
      }
    })();
    expect(refusal).toBeInstanceOf(OverloadedError);
    expect((refusal as OverloadedError).retryAfterMs).toBe(3_000);
    expect((refusal as OverloadedError).message).toMatch(/max_in_flight 1/);
    expect(clock.now()).toBe(0);
  });

  it('bounds each tenant separately from the agent as a whole', () => {
    const admission = new AdmissionController();
    const agent = { id: 'a', limits: { max_in_flight: 3, max_in_flight_per_tenant: 2 } };
    admission.admit(agent, 'echo/demo');
    const second = admission.admit(agent, 'echo/demo');
    expect(() => admission.admit(agent, 'echo/demo')).toThrow(/tenant echo\/demo/);
    admission.admit(agent, 'echo/other'); // another tenant still gets the agent's last slot
    expect(() => admission.admit(agent, 'echo/other')).toThrow(/max_in_flight 3/);
    second.release();
    second.release(); // idempotent
    expect(admission.inFlight()).toEqual({ a: 2 });
    expect(admission.inFlightByTenant('a')).toEqual({ 'echo/demo': 1, 'echo/other': 1 });
  });

  it('never dead-letters an overloaded message, however many attempts it already had', async () => {
    const held = gate();
    const { router, events, letters, message } = setup({ handler: () => held.opened });
    const running = router.consume(recordedBatch('promethean-events', [message('m1')]));
    const worn = recordedBatch('promethean-events', [message('m2', 50)]);
    await router.consume(worn);
    expect(letters).toEqual([]);
    expect(worn.messages[0]!.settled).toEqual({ kind: 'ack' });
    expect(events.sent[0]!.body.failed_attempts).toBe(49);
    held.open();
    await running;
  });

  it('counts only real failures toward max_retries across deferred copies', async () => {
    const { router, letters, message } = setup({
      handler: async () => {
        throw new Error('store unreachable');
      },
    });
    const early = recordedBatch('promethean-events', [message('m1', 1, { failed_attempts: 2 })]);
    // Third real failure: backoff 2 s · 2² = 8 s, and still under max_retries 3.
    expect((await router.consume(early)).get('m1')).toEqual({ settlement: 'retry', delaySeconds: 8 });
    const late = recordedBatch('promethean-events', [message('m2', 2, { failed_attempts: 2 })]);
    await router.consume(late);
    expect(letters.map((l) => l.reason)).toEqual(['dead_lettered']);
  });

  it('defers a dependency that answers OverloadedError instead of counting it as a failure', async () => {
    const { router, letters, events, message } = setup({
      handler: async () => {
        throw new OverloadedError('model server busy', 4_200);
      },
    });
    const batch = recordedBatch('promethean-events', [message('m1', 9)]);
    expect((await router.consume(batch)).get('m1')).toEqual({ settlement: 'deferred', delaySeconds: 5 });
    expect(letters).toEqual([]);
    expect(events.sent[0]).toMatchObject({ delaySeconds: 5, body: { failed_attempts: 8 } });
  });

  it('retries (never dead-letters) when the deferred copy cannot be sent', async () => {
    const held = gate();
    const { router, events, letters, message } = setup({ handler: () => held.opened });
    const running = router.consume(recordedBatch('promethean-events', [message('m1')]));
    events.failNext();
    const batch = recordedBatch('promethean-events', [message('m2', 120)]);
    expect((await router.consume(batch)).get('m2')).toEqual({ settlement: 'retry', delaySeconds: 1 });
    expect(batch.messages[0]!.settled).toEqual({ kind: 'retry', delaySeconds: 1 });
    expect(letters).toEqual([]);
    held.open();
    await running;
  });

  it.each([
    ['paused', 60],
    ['stopped', 600],
  ] as const)('holds a %s agent’s messages for later (%d s) without running it', async (state, delay) => {
    let ran = 0;
    const { router, events, letters, message, settled } = setup({
      controls: { 'slow-indexer': state },
      handler: async () => void ran++,
    });
    const batch = recordedBatch('promethean-events', [message('m1')]);
    expect((await router.consume(batch)).get('m1')).toEqual({ settlement: 'deferred', delaySeconds: delay });
    expect(ran).toBe(0);
    expect(letters).toEqual([]);
    expect(events.sent[0]).toMatchObject({ delaySeconds: delay, body: { target: 'slow-indexer' } });
    expect(settled[0]).toMatchObject({ outcome: state, settlement: 'deferred' });
  });

  it('keeps RetryAfterError from a handler a plain counted retry', async () => {
    const { router, message } = setup({
      handler: async () => {
        throw new RetryAfterError('rate limited', 7_000);
      },
    });
    const batch = recordedBatch('promethean-events', [message('m1')]);
    expect((await router.consume(batch)).get('m1')).toEqual({ settlement: 'retry', delaySeconds: 7 });
  });
});
