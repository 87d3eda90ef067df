/**
 * The double streams (SSE, deterministic chunks) and calls tools, including parallel calls, as the OpenAI
 * API does: checked with the real `openai` client, which assembles streamed tool calls itself.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ModelDouble, startModelDouble } from './model-double.ts';

let double: ModelDouble;
let client: OpenAI;

const tools = [
  {
    type: 'function' as const,
    function: {
      name: 'search_messages',
      description: 'Search.',
      parameters: { type: 'object', properties: { q: { type: 'string' } } },
    },
  },
  {
    type: 'function' as const,
    function: {
      name: 'get_tenant_status',
      description: 'Status.',
      parameters: { type: 'object', properties: {} },
    },
  },
];

beforeAll(async () => {
  double = await startModelDouble();
  client = new OpenAI({ apiKey: 'sk-any', baseURL: double.baseUrl, maxRetries: 0 });
});
afterAll(async () => {
  await double.stop();
});
beforeEach(() => {
  double.requests.length = 0;
  double.setChatReply(() => 'a squared plus b squared');
});

describe('model double streaming', () => {
  it('streams one word per chunk, then the finish reason and usage', async () => {
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'what is the theorem?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let finish: string | null | undefined;
    let usage: unknown;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) deltas.push(choice.delta.content);
      if (choice?.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toEqual(['a ', 'squared ', 'plus ', 'b ', 'squared']);
    expect(finish).toBe('stop');
    expect(usage).toEqual({ prompt_tokens: 4, completion_tokens: 5, total_tokens: 9 });
    expect(double.requests[0]?.stream).toEqual({ chunks: 8, outcome: 'complete' });
  });

  it('answers scripted parallel tool calls, streamed and not, with the same ids and arguments', async () => {
    double.setChatReply(() => ({
      tool_calls: [
        { name: 'search_messages', arguments: { q: 'pythagorean theorem proof' } },
        { name: 'get_tenant_status', arguments: {} },
      ],
    }));
    const request = {
      model: 'm',
      messages: [{ role: 'user' as const, content: 'find it' }],
      tools,
      tool_choice: 'auto' as const,
      parallel_tool_calls: true,
    };
    const sync = await client.chat.completions.create(request);
    expect(sync.choices[0]?.finish_reason).toBe('tool_calls');
    const first = double.requests[0]?.seq;
    expect(sync.choices[0]?.message.tool_calls).toEqual([
      {
        id: `call_${first}_0`,
        type: 'function',
        function: { name: 'search_messages', arguments: '{"q":"pythagorean theorem proof"}' },
      },
      { id: `call_${first}_1`, type: 'function', function: { name: 'get_tenant_status', arguments: '{}' } },
    ]);

    const runner = client.chat.completions.stream(request);
    const final = await runner.finalChatCompletion();
    const streamedSeq = double.requests[1]?.seq;
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    expect(
      final.choices[0]?.message.tool_calls?.map((c) =>
        c.type === 'function' ? [c.id, c.function.name, c.function.arguments] : [c.id],
      ),
    ).toEqual([
      [`call_${streamedSeq}_0`, 'search_messages', '{"q":"pythagorean theorem proof"}'],
      [`call_${streamedSeq}_1`, 'get_tenant_status', '{}'],
    ]);
  });

  it('takes a tool result back in the conversation', async () => {
    double.setChatReply((req) => `saw ${req.messages.filter((m) => m.role === 'tool').length} tool result`);
    const answer = await client.chat.completions.create({
      model: 'm',
      tools,
      messages: [
        { role: 'user', content: 'status?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1_0', type: 'function', function: { name: 'get_tenant_status', arguments: '{}' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1_0', content: '{"messages":3}' },
      ],
    });
    expect(answer.choices[0]?.message.content).toBe('saw 1 tool result');
  });

  it('stops writing when the client aborts mid-stream', async () => {
    const paced = await startModelDouble({ chunkDelayMs: 20 });
    try {
      paced.setChatReply(() => 'word '.repeat(200));
      const slow = new OpenAI({ apiKey: 'sk-any', baseURL: paced.baseUrl, maxRetries: 0 });
      const abort = new AbortController();
      const stream = await slow.chat.completions.create(
        { model: 'm', messages: [{ role: 'user', content: 'go' }], stream: true },
        { signal: abort.signal },
      );
      let seen = 0;
      // The client ends its iteration (or throws an abort error, by version): either way it stops reading.
      try {
        for await (const _chunk of stream) {
          seen += 1;
          if (seen === 3) abort.abort();
        }
      } catch (e) {
        expect(abort.signal.aborted).toBe(true);
        expect(String(e)).toMatch(/abort/i);
      }
      expect(seen).toBe(3);
      await expect.poll(() => paced.requests[0]?.stream?.outcome).toBe('client-closed');
      expect(paced.requests[0]?.stream?.chunks).toBeLessThan(20);
    } finally {
      await paced.stop();
    }
  });
});
