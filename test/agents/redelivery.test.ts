/**
 * At-least-once delivery: the same mention delivered five times — one after another, and all at
 * once — through `invokeAgent` with the in-memory ports leaves one vector and one reply.
 */
import { cephalon } from '@promethean/functions/agents/cephalon/handler';
import { messageEmbedder } from '@promethean/functions/agents/message-embedder/handler';
import { OfflineModelPort } from '@promethean/functions/models/offline-model-port';
import type { Envelope } from '@promethean/schemas/envelope';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import type { CompletionRequest, ModelPort } from '@promethean/shared/effects/effect-ports';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { recordingRuntime } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';

const mention = {
  id: 'in-mention-1',
  ts: '2026-11-20T10:00:00.000Z',
  src: 'echo-access',
  dst: 'promethean.p.echo.t.demo.events.SocialMessageCreated',
  provider: 'echo',
  tenant: 'demo',
  intent: 'SocialMessageCreated',
  payload: {
    urn: 'urn:echo:message:demo:1001',
    foreign_id: '1001',
    channel: { urn: 'urn:echo:channel:demo:general', foreign_id: 'general' },
    author: { urn: 'urn:echo:user:demo:42', foreign_id: '42', name: 'ada', bot: false },
    content: '<@100> what do ducks eat?',
    created_at: '2026-11-20T09:59:00.000Z',
    mentions: { users: ['100'], roles: [], everyone: false, bot: true },
  },
};

/**
 * The offline model, except that every completion is different (as a real LLM's would be), so the
 * test shows that deliveries converge on one stored text rather than happening to agree.
 */
class VaryingModel extends OfflineModelPort implements ModelPort {
  completions = 0;
  override async complete(request: CompletionRequest) {
    const answer = await super.complete(request);
    this.completions++;
    return { ...answer, text: `${answer.text} (draft ${this.completions})` };
  }
}

function runtime() {
  const models = new VaryingModel();
  const vectors = new MemoryVectorStore('echo', 'demo');
  const rt = recordingRuntime(Date.UTC(2026, 10, 20, 10), { models, vectors });
  return { ...rt, models, vectors };
}

async function deliverFiveTimes(rt: ReturnType<typeof runtime>, concurrently: boolean): Promise<void> {
  const once = async () => {
    for (const agent of [messageEmbedder, cephalon]) {
      const outcome = await invokeAgent(agent, structuredClone(mention), rt.deps);
      expect(outcome.outcome).toBe('ok');
    }
  };
  if (concurrently) await Promise.all(Array.from({ length: 5 }, once));
  else for (let i = 0; i < 5; i++) await once();
}

function posts(published: readonly Envelope[]) {
  return published.filter((e) => e.intent === 'PostMessage');
}

describe('redelivering a mention five times', () => {
  it.each([
    ['sequentially', false],
    ['concurrently', true],
  ])('%s leaves one vector and one reply', async (_, concurrently) => {
    const rt = runtime();
    await deliverFiveTimes(rt, concurrently);

    expect(await rt.vectors.count('messages')).toBe(1);
    const replies = await rt.documents.find('jobs', { kind: 'reply' });
    expect(replies).toHaveLength(1);

    const sent = posts(rt.recorder.published);
    expect(sent).toHaveLength(5); // each delivery re-publishes...
    const distinct = new Set(
      sent.map((e) => {
        const p = e.payload as { idempotency_key: string; content: string };
        return JSON.stringify([e.id, p.idempotency_key, p.content]);
      }),
    );
    expect(distinct.size).toBe(1); // ...the same command, which the access layer posts once
    // Whichever draft was stored first is the one every delivery sends (which one wins is up to the interleaving).
    const content = (sent[0]!.payload as { content: string }).content;
    expect(content).toMatch(/\(draft [1-5]\)$/);
    expect(JSON.stringify(replies[0]?.slots)).toContain(JSON.stringify(content));
    if (!concurrently) expect(rt.models.completions).toBe(1); // no second LLM call once the reply is stored
  });
});
