/**
 * /ask with the platform's tools (tenant setting `ask_tools`, off by default): the model double asks for a
 * `/v1` tool, the gateway's tool loop runs it as the tenant narrowed to the asking channel, feeds the result
 * back, and the posted answer uses it. Off, or for a mention, the same question is a plain completion.
 */
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { MemoryV1Backend, seededMessage } from '@promethean/test/api/memory-v1-backend';
import { messageText } from '@promethean/test/model-double/double-answers';
import { type ModelDouble, startModelDouble } from '@promethean/test/model-double/model-double';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayCoreFactory } from '../../llm-gateway/gateway-core-factory.ts';
import { gatewayToolChat } from '../../llm-gateway/tool-chat-port.ts';
import { chatRequests, doubleRuntime, mentionEnvelope } from './cephalon-test-kit.ts';
import askFixture from './fixtures/in/interaction-ask.json';
import { cephalon } from './handler.ts';

const registryYaml = (askTools: boolean) => `version: 1
providers:
  echo:
    adapter: echo
    tenants:
      demo:
        settings:
          bot_user_id: "100"
          ask_tools: ${askTools}
`;

let double: ModelDouble;
const backend = new MemoryV1Backend();
const demo = { provider: 'echo', tenant: 'demo' };

beforeAll(async () => {
  backend.addMessages(demo, [
    seededMessage('1', 'general', 'the pond freezes in january', 'Ada'),
    // Another channel of the same tenant: the asking channel's scope must keep it out.
    seededMessage('2', 'staff', 'the pond freezes in the staff room secret', 'Boss'),
  ]);
  double = await startModelDouble({
    chatReply: (req) => {
      const last = req.messages.at(-1);
      if (last?.role === 'tool') return `From the chat: ${messageText(last)}`;
      // A model that picks the search tool when it has tools; a plain answer otherwise.
      if (req.tools?.some((t) => t.function.name === 'search_messages'))
        return { tool_calls: [{ name: 'search_messages', arguments: { q: 'pond freeze' } }] };
      return 'No tools: I cannot look that up.';
    },
  });
});
afterAll(async () => {
  await double.stop();
});
beforeEach(() => {
  double.requests.length = 0;
  backend.calls.length = 0;
});

function runtime(askTools: boolean) {
  const rt = doubleRuntime(double);
  const factory = new GatewayCoreFactory();
  const tools = gatewayToolChat(
    (principal) =>
      factory.coreFor({
        principal,
        settings: {
          base_url: double.baseUrl,
          api_key: 'sk-test',
          llm_model: 'double-llm',
          embed_model: 'text-embedding-3-small',
          timeout_ms: 5_000,
        },
        backendOf: () => backend,
      }),
    { agent: 'platform', ...demo, offline: false },
  );
  const ports = rt.deps.ports;
  rt.deps.ports = typeof ports === 'function' ? (v) => ({ ...ports(v), tools }) : { ...ports, tools };
  rt.deps.registry = ProviderRegistry.fromYaml(registryYaml(askTools));
  return rt;
}

const posted = (rt: ReturnType<typeof runtime>) =>
  rt.recorder.published
    .filter((e) => e.intent === 'PostMessage')
    .map((e) => (e.payload as { content: string }).content);

describe('/ask with tools', () => {
  it('calls the search tool scoped to the asking channel and answers with its result', async () => {
    const rt = runtime(true);
    const outcome = await invokeAgent(cephalon, askFixture.envelope, rt.deps);
    expect(outcome.outcome).toBe('ok');
    // The tool ran as echo/demo; the other channel's message was filtered out by the channel scope.
    expect(backend.calls.filter((c) => c.op === 'searchMessages')).toEqual([
      { op: 'searchMessages', tenant: 'echo/demo', arg: 'pond freeze' },
    ]);
    const requests = chatRequests(double);
    expect(requests).toHaveLength(2);
    const fedBack = requests[1]?.messages.filter((m) => m.role === 'tool').map((m) => m.content) ?? [];
    expect(fedBack[0]).toContain('the pond freezes in january');
    expect(fedBack[0]).not.toContain('staff room secret');
    expect(posted(rt)).toEqual([expect.stringContaining('the pond freezes in january')]);
    expect(posted(rt)[0]).not.toContain('staff room secret');
  });

  it('answers without tools when the tenant has not opted in', async () => {
    const rt = runtime(false);
    await invokeAgent(cephalon, askFixture.envelope, rt.deps);
    const requests = chatRequests(double) as Array<{ tools?: unknown }>;
    expect(requests).toHaveLength(1);
    expect(requests[0]?.tools).toBeUndefined();
    expect(backend.calls).toEqual([]);
    expect(posted(rt)).toEqual([expect.stringContaining('No tools')]);
  });

  it('keeps mentions on the plain completion even when /ask has tools', async () => {
    const rt = runtime(true);
    await invokeAgent(cephalon, mentionEnvelope('3001', '<@100> when does the pond freeze?'), rt.deps);
    expect(backend.calls).toEqual([]);
    expect(posted(rt)).toEqual([expect.stringContaining('No tools')]);
  });
});
