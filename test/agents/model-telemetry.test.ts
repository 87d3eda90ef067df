/**
 * Model telemetry through the real OpenAI client against the model double: the reply envelopes carry each
 * call's token usage and finish reason, and every model call is one telemetry line tagged with the model.
 */
import { doubleRuntime, mentionEnvelope } from '@promethean/functions/agents/cephalon/cephalon-test-kit';
import { cephalon } from '@promethean/functions/agents/cephalon/handler';
import { Envelope } from '@promethean/schemas/envelope';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { GatewayMetrics } from '@promethean/shared/ops/gateway-metrics';
import { type ModelDouble, startModelDouble } from '@promethean/test/model-double/model-double';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let double: ModelDouble;
beforeAll(async () => {
  double = await startModelDouble();
});
afterAll(async () => {
  await double.stop();
});

describe('model telemetry', () => {
  it('puts usage and finish_reason on the reply envelopes and logs each call tagged with its model', async () => {
    double.setChatReply(() => 'The pond is calm today.');
    const rt = doubleRuntime(double);
    const outcome = await invokeAgent(cephalon, mentionEnvelope('4001', '<@100> how is the pond?'), rt.deps);
    expect(outcome.outcome).toBe('ok');
    const replies = rt.recorder.published.filter(
      (e) => e.intent === 'PostMessage' || e.intent === 'reply.message',
    );
    expect(replies.length).toBeGreaterThan(0);
    for (const reply of replies) {
      const models = Envelope.parse(reply).models ?? [];
      const llm = models.find((m) => m.role === 'llm');
      expect(llm?.finish_reason).toBe('stop');
      expect(llm?.usage?.completion_tokens).toBe(5);
      expect(llm?.usage?.total_tokens).toBe((llm?.usage?.prompt_tokens ?? 0) + 5);
      expect(models.find((m) => m.role === 'embed')?.usage?.prompt_tokens).toBeGreaterThan(0);
    }
    const calls = rt.sink.records.filter((r) => r.msg === 'model call');
    expect(calls.map((c) => c.model_role).sort()).toEqual(['embed', 'llm']);
    for (const c of calls) {
      expect(c).toMatchObject({ agent: 'cephalon', tenant: 'demo', offline: false });
      expect(typeof c.model).toBe('string');
      expect(c.prompt_tokens).toBeGreaterThan(0);
    }
    expect(calls.find((c) => c.model_role === 'llm')).toMatchObject({
      finish_reason: 'stop',
      completion_tokens: 5,
    });
  });

  it('counts each model call per model under transport agent, for the ledger and /metrics', async () => {
    double.setChatReply(() => ({ content: 'cut short', finish: 'length' }));
    const rt = doubleRuntime(double);
    const metrics = new GatewayMetrics();
    const deps = {
      ...rt.deps,
      onModelAnswer: (_role: string, answer: Parameters<GatewayMetrics['agentCall']>[0]) =>
        metrics.agentCall(answer),
    };
    await invokeAgent(cephalon, mentionEnvelope('4003', '<@100> count me'), deps);
    const models = metrics.take().models;
    expect(models.every((m) => m.transport === 'agent' && m.requests === m.completed)).toBe(true);
    const llm = models.find((m) => m.finish_reasons.length !== undefined);
    expect(llm).toMatchObject({ requests: 1, finish_reasons: { length: 1 } });
    expect(llm?.completion_tokens).toBeGreaterThan(0);
    expect(llm?.prompt_tokens).toBeGreaterThan(0);
    expect(models.reduce((n, m) => n + m.requests, 0)).toBe(2); // the question's embedding and the answer
  });

  it('reports a reply cut at max_tokens as finish_reason length', async () => {
    double.setChatReply(() => ({ content: 'cut short', finish: 'length' }));
    const rt = doubleRuntime(double);
    await invokeAgent(cephalon, mentionEnvelope('4002', '<@100> tell me everything'), rt.deps);
    const post = rt.recorder.published.find((e) => e.intent === 'PostMessage');
    expect(Envelope.parse(post).models?.find((m) => m.role === 'llm')?.finish_reason).toBe('length');
  });
});
