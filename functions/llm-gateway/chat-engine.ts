/**
 * The gateway core: one chat request against the upstream model, streamed as gateway events, with the tool
 * loop when the caller lets the gateway run the platform's tools. Transport-free: the WebSocket Durable
 * Object and the HTTP bridge both drive this, which is what the parity suite relies on.
 */
import type {
  ChatCompletionAction,
  GatewayChatMessage,
  GatewayEvent,
} from '@promethean/schemas/llm-gateway/gateway-messages';
import type { ToolDefinition } from '@promethean/shared/openapi-tools/tool-catalog';
import type { ToolClient } from '@promethean/shared/openapi-tools/tool-client';
import type OpenAI from 'openai';
import { GatewayError, upstreamFailure } from './gateway-errors.ts';

/** Rounds of tool calls one request may take before the gateway asks the model to answer without tools. */
export const DEFAULT_TOOL_ROUNDS = 4;

export interface PlatformTools {
  tools: ToolDefinition[];
  client: ToolClient;
}

export interface ChatEngineDeps {
  openai: OpenAI;
  defaultModel: string;
  /** The `/v1` tools with the caller's key; absent when the caller has none. */
  platformTools?: PlatformTools;
  /** Called per tool call, for `tool_invocations_total{tool}`, `tool_latency_ms` and `tool_errors_total`. */
  onToolCall?: (name: string, ok: boolean, latencyMs: number) => void;
  now?: () => number;
}

/** A tool offered to the model: a platform tool or one the caller brought. */
type OfferedTool = ToolDefinition | NonNullable<ChatCompletionAction['tools']>[number];
type ToolCallOut = { id: string; type: 'function'; function: { name: string; arguments: string } };
type Usage = { prompt_tokens: number; completion_tokens: number; total_tokens: number };
type Finish = Extract<GatewayEvent, { type: 'chat.complete' }>['finish_reason'];

/** Refuses non-text input by name: a silently dropped image would make the answer wrong without saying so. */
export function assertTextOnly(messages: readonly GatewayChatMessage[]): void {
  for (const [i, m] of messages.entries()) {
    if (m.role !== 'user' || typeof m.content === 'string') continue;
    const other = m.content.find((p) => p.type !== 'text');
    if (other)
      throw new GatewayError(
        'unsupported_content',
        `messages[${i}] has a ${other.type} part; this gateway accepts text only`,
      );
  }
}

/** One upstream call, streamed; deltas go out as they come, tool calls are assembled by index. */
async function streamRound(
  deps: ChatEngineDeps,
  action: ChatCompletionAction,
  messages: unknown[],
  tools: OfferedTool[] | undefined,
  toolChoice: ChatCompletionAction['tool_choice'],
  emit: (e: GatewayEvent) => void,
  signal: AbortSignal,
): Promise<{ text: string; calls: ToolCallOut[]; finish: string; usage: Usage | undefined; model: string }> {
  const model = action.model ?? deps.defaultModel;
  const stream = await deps.openai.chat.completions.create(
    {
      model,
      messages: messages as OpenAI.ChatCompletionMessageParam[],
      stream: true,
      stream_options: { include_usage: true },
      ...(action.temperature !== undefined && { temperature: action.temperature }),
      ...(action.max_tokens !== undefined && { max_tokens: action.max_tokens }),
      ...(tools && tools.length > 0 && { tools: tools as OpenAI.ChatCompletionTool[] }),
      ...(tools && tools.length > 0 && toolChoice !== undefined && { tool_choice: toolChoice }),
      ...(tools &&
        tools.length > 0 &&
        action.parallel_tool_calls !== undefined && { parallel_tool_calls: action.parallel_tool_calls }),
    },
    { signal },
  );
  let text = '';
  let finish = 'stop';
  let usage: Usage | undefined;
  const calls: ToolCallOut[] = [];
  for await (const chunk of stream) {
    if (chunk.usage)
      usage = {
        prompt_tokens: chunk.usage.prompt_tokens,
        completion_tokens: chunk.usage.completion_tokens,
        total_tokens: chunk.usage.total_tokens,
      };
    const choice = chunk.choices[0];
    if (!choice) continue;
    const content = choice.delta.content;
    if (content) {
      text += content;
      if (action.stream) emit({ type: 'chat.delta', request_id: action.request_id, content });
    }
    for (const t of choice.delta.tool_calls ?? []) {
      const call = calls[t.index] ?? { id: '', type: 'function', function: { name: '', arguments: '' } };
      calls[t.index] = call;
      if (t.id) call.id = t.id;
      if (t.function?.name) call.function.name += t.function.name;
      if (t.function?.arguments) call.function.arguments += t.function.arguments;
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  return { text, calls: calls.filter(Boolean), finish, usage, model };
}

function addUsage(a: Usage, b: Usage | undefined): Usage {
  if (!b) return a;
  return {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}

/** Tool results as the model reads them: the JSON answer, or `{"error": …}` it can act on. */
function toolMessageContent(result: Awaited<ReturnType<ToolClient['invoke']>>): string {
  if (!result.ok) return JSON.stringify({ error: result.error });
  return result.truncated ? `${result.content}\n[result truncated]` : result.content;
}

/**
 * Runs one chat request to its end: `chat.delta`s (when streaming), `tool.call`/`tool.result` per tool the
 * gateway runs, then one `chat.complete`. Throws `GatewayError` (cancellation included) instead of completing.
 */
export async function runChat(
  deps: ChatEngineDeps,
  action: ChatCompletionAction,
  emit: (e: GatewayEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  assertTextOnly(action.messages);
  const now = deps.now ?? Date.now;
  const platform = action.use_platform_tools ? deps.platformTools : undefined;
  if (action.use_platform_tools && !platform)
    throw new GatewayError('forbidden', 'platform tools need a /v1 API key (Authorization: Bearer pe_...)');
  const tools = platform ? [...platform.tools, ...(action.tools ?? [])] : action.tools;
  const rounds = action.max_tool_rounds ?? DEFAULT_TOOL_ROUNDS;
  const messages: unknown[] = [...action.messages];
  let usage: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };
  let output = '';
  for (let round = 0; ; round++) {
    // The last round offers no platform tools, so a model stuck calling them must answer in words.
    const exhausted = platform !== undefined && round >= rounds;
    const offered = exhausted ? action.tools : tools;
    let r: Awaited<ReturnType<typeof streamRound>>;
    try {
      r = await streamRound(
        deps,
        action,
        messages,
        offered,
        exhausted ? undefined : action.tool_choice,
        emit,
        signal,
      );
    } catch (e) {
      throw upstreamFailure(e, signal);
    }
    // The client's stream iterator may end quietly on abort: a cut-short answer must not pass as complete.
    if (signal.aborted) throw new GatewayError('cancelled', 'the request was cancelled');
    usage = addUsage(usage, r.usage);
    output += r.text;
    const platformNames = new Set(platform?.tools.map((t) => t.function.name));
    const mine = r.calls.filter((c) => platformNames.has(c.function.name));
    const theirs = r.calls.filter((c) => !platformNames.has(c.function.name));
    if (exhausted || mine.length === 0 || theirs.length > 0 || r.finish !== 'tool_calls') {
      const finish = (exhausted && r.finish === 'tool_calls' ? 'tool_rounds_exhausted' : r.finish) as Finish;
      emit({
        type: 'chat.complete',
        request_id: action.request_id,
        model: r.model,
        output,
        ...(r.calls.length > 0 && { tool_calls: r.calls }),
        usage,
        finish_reason: finish,
      });
      return;
    }
    messages.push({ role: 'assistant', content: r.text === '' ? null : r.text, tool_calls: mine });
    for (const c of mine)
      emit({
        type: 'tool.call',
        request_id: action.request_id,
        call_id: c.id,
        name: c.function.name,
        arguments: c.function.arguments,
        round,
      });
    // Parallel calls run in parallel; results go back in the order the model asked for them.
    const results = await Promise.all(
      mine.map(async (c) => {
        const started = now();
        const result = await platform!.client.invoke(
          { name: c.function.name, arguments: c.function.arguments },
          signal,
        );
        deps.onToolCall?.(c.function.name, result.ok, now() - started);
        return { c, result };
      }),
    );
    if (signal.aborted) throw new GatewayError('cancelled', 'the request was cancelled');
    for (const { c, result } of results) {
      const content = toolMessageContent(result);
      emit({
        type: 'tool.result',
        request_id: action.request_id,
        call_id: c.id,
        name: c.function.name,
        ok: result.ok,
        content,
        round,
      });
      messages.push({ role: 'tool', tool_call_id: c.id, content });
    }
  }
}
