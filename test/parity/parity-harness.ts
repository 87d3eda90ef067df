/**
 * The parity harness: one input through the gateway's WebSocket connection and through the OpenAI HTTP
 * bridge, each answer normalized (ids, timestamps dropped; the WS events and the HTTP body reduced to one
 * shape) so the two can be compared field by field.
 */
import type { GatewayEvent } from '@promethean/schemas/llm-gateway/gateway-messages';
import type { Hono } from 'hono';
import type { GatewayConnection } from '../../functions/llm-gateway/gateway-connection.ts';

/** What both transports are reduced to. */
export interface Normalized {
  deltas?: string[];
  text?: string;
  finish_reason?: string;
  usage?: unknown;
  tool_calls?: Array<{ name: string; arguments: string }>;
  embeddings?: number[][];
  error?: { code: string; retry_after_ms?: number };
}

/** A chat or embedding input, in OpenAI's request shape (the WS action is derived from it). */
export interface ParityInput {
  path: '/chat/completions' | '/embeddings';
  body: Record<string, unknown>;
  /** Abort after this many streamed deltas (cancellation cases). */
  abortAfterDeltas?: number;
}

function toolCallsOf(calls: unknown): Normalized['tool_calls'] {
  if (!Array.isArray(calls) || calls.length === 0) return undefined;
  return calls.map((c: { function: { name: string; arguments: string } }) => ({
    name: c.function.name,
    arguments: c.function.arguments,
  }));
}

/** Runs the input over a connection (fresh request id) and reduces the events it got. */
export async function viaWebSocket(
  connection: GatewayConnection,
  events: GatewayEvent[],
  input: ParityInput,
  requestId: string,
): Promise<Normalized> {
  const start = events.length;
  const body = input.body;
  const action =
    input.path === '/embeddings'
      ? { type: 'embedding.query', request_id: requestId, model: body.model, input: body.input }
      : {
          type: 'chat.completion',
          request_id: requestId,
          ...Object.fromEntries(Object.entries(body).filter(([k]) => !['stream_options'].includes(k))),
          stream: body.stream === true,
        };
  const running = connection.handle(JSON.stringify(action));
  if (input.abortAfterDeltas !== undefined) {
    const deltasSeen = () => events.slice(start).filter((e) => e.type === 'chat.delta').length;
    while (
      deltasSeen() < input.abortAfterDeltas &&
      !events.slice(start).some((e) => e.type === 'error' || e.type === 'chat.complete')
    )
      await new Promise((r) => setTimeout(r, 1));
    await connection.handle(JSON.stringify({ type: 'cancel', request_id: requestId }));
  }
  await running;
  const mine = events.slice(start).filter((e) => e.request_id === requestId);
  const out: Normalized = {};
  const deltas = mine.flatMap((e) => (e.type === 'chat.delta' ? [e.content] : []));
  if (body.stream === true)
    out.deltas = input.abortAfterDeltas === undefined ? deltas : deltas.slice(0, input.abortAfterDeltas);
  for (const e of mine) {
    if (e.type === 'chat.complete') {
      out.text = e.output;
      out.finish_reason = e.finish_reason;
      // A streamed HTTP answer carries usage only when asked (stream_options.include_usage); so does this.
      const askedUsage =
        body.stream !== true ||
        (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      if (askedUsage) out.usage = e.usage;
      const calls = toolCallsOf(e.tool_calls);
      if (calls) out.tool_calls = calls;
    }
    if (e.type === 'embedding.result') out.embeddings = e.embeddings;
    if (e.type === 'error')
      out.error = {
        code: e.code,
        ...(e.retry_after_ms !== undefined && { retry_after_ms: e.retry_after_ms }),
      };
  }
  return out;
}

/**
 * The WebSocket's way in: `GET /v1/llm/ws` with the key, which the `/v1` app checks before handing the socket
 * to the gateway object. Answers the refusal in the same shape, or nothing when the upgrade was admitted.
 */
export async function viaUpgrade(app: Hono, key: string): Promise<Normalized> {
  const res = await app.request('/v1/llm/ws', {
    headers: { upgrade: 'websocket', ...(key && { authorization: `Bearer ${key}` }) },
  });
  if (res.ok) return {};
  const body = (await res.json()) as { error: { code: string } };
  return { error: { code: body.error.code } };
}

function parseSse(text: string): unknown[] {
  return text
    .split('\n\n')
    .map((block) => block.replace(/^data: /, '').trim())
    .filter((data) => data !== '' && data !== '[DONE]')
    .map((data) => JSON.parse(data) as unknown);
}

/** Runs the input through the bridge (in-process `app.request`) and reduces the HTTP answer. */
export async function viaHttp(
  app: Hono,
  key: string,
  input: ParityInput,
  env?: unknown,
): Promise<Normalized> {
  const abort = new AbortController();
  const res = await app.request(
    `/v1${input.path}`,
    {
      method: 'POST',
      headers: { ...(key && { authorization: `Bearer ${key}` }), 'content-type': 'application/json' },
      body: JSON.stringify(input.body),
      signal: abort.signal,
    },
    env as never,
  );
  if (!res.ok) {
    const body = (await res.json()) as { error: { code: string } };
    const retry = res.headers.get('retry-after-ms');
    return { error: { code: body.error.code, ...(retry !== null && { retry_after_ms: Number(retry) }) } };
  }
  if (input.path === '/embeddings') {
    const body = (await res.json()) as { data: Array<{ embedding: number[] }> };
    return { embeddings: body.data.map((d) => d.embedding) };
  }
  if (input.body.stream !== true) {
    const body = (await res.json()) as {
      choices: Array<{ message: { content: string | null; tool_calls?: unknown }; finish_reason: string }>;
      usage: unknown;
    };
    const choice = body.choices[0]!;
    const calls = toolCallsOf(choice.message.tool_calls);
    return {
      text: choice.message.content ?? '',
      finish_reason: choice.finish_reason,
      usage: body.usage,
      ...(calls && { tool_calls: calls }),
    };
  }
  if (input.abortAfterDeltas !== undefined) {
    // Read until enough deltas arrived, then hang up as a client would.
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const deltas = () =>
      parseSse(text).flatMap(
        (ch) =>
          (ch as { choices?: Array<{ delta: { content?: string } }> }).choices?.[0]?.delta.content || [],
      );
    while (deltas().length < input.abortAfterDeltas) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel();
    return { deltas: deltas().slice(0, input.abortAfterDeltas), error: { code: 'cancelled' } };
  }
  const chunks = parseSse(await res.text()) as Array<{
    choices: Array<{
      delta: {
        content?: string;
        tool_calls?: Array<{ index: number; function: { name: string; arguments: string } }>;
      };
      finish_reason: string | null;
    }>;
    usage?: unknown;
    error?: { code: string };
  }>;
  const out: Normalized = { deltas: [] };
  let text = '';
  const calls: Array<{ function: { name: string; arguments: string } }> = [];
  for (const ch of chunks) {
    if (ch.error) out.error = { code: ch.error.code };
    if (ch.usage) out.usage = ch.usage;
    const choice = ch.choices?.[0];
    if (!choice) continue;
    if (choice.delta.content) {
      out.deltas!.push(choice.delta.content);
      text += choice.delta.content;
    }
    for (const t of choice.delta.tool_calls ?? []) calls[t.index] = { function: t.function };
    if (choice.finish_reason) out.finish_reason = choice.finish_reason;
  }
  if (!out.error) out.text = text;
  const tc = toolCallsOf(calls);
  if (tc) out.tool_calls = tc;
  return out;
}

/** Compares with embeddings within 1e-6; answers the paths that differ. */
export function differences(a: unknown, b: unknown, path = ''): string[] {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-6 ? [] : [path];
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return [`${path}.length`];
    return a.flatMap((x, i) => differences(x, b[i], `${path}[${i}]`));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) =>
      differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  return a === b ? [] : [path || '(value)'];
}
