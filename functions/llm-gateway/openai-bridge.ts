/**
 * The OpenAI-compatible HTTP bridge: `POST /chat/completions` (sync and SSE) and `POST /embeddings` over the
 * same gateway core the WebSocket uses. All it adds is admission per API key (bridge-limiter.ts): 429 with
 * `Retry-After` and `retry-after-ms`, the same hints the WebSocket's `error` events carry.
 */
import {
  type ChatCompletionAction,
  FunctionTool,
  GatewayChatMessage,
  type GatewayEvent,
  ToolChoice,
} from '@promethean/schemas/llm-gateway/gateway-messages';
import { type ComponentScope, componentTelemetry } from '@promethean/shared/agent/telemetry';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { BridgeLimiter } from './bridge-limiter.ts';
import type { GatewayCore } from './gateway-core.ts';
import { GATEWAY_ERROR_STATUS, GatewayError } from './gateway-errors.ts';

const ChatRequest = z
  .object({
    model: z.string().min(1).max(200),
    messages: z.array(GatewayChatMessage).min(1).max(500),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).strict().nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    max_tokens: z.number().int().positive().nullable().optional(),
    tools: z.array(FunctionTool).max(128).optional(),
    tool_choice: ToolChoice.optional(),
    parallel_tool_calls: z.boolean().optional(),
    // Extensions beyond OpenAI's shape (the openai client sends them as extra body fields), so the bridge
    // offers what the WebSocket offers: the platform tool loop with the caller's key, and personas.
    use_platform_tools: z.boolean().optional(),
    max_tool_rounds: z.number().int().min(1).max(8).optional(),
    persona: z
      .string()
      .regex(/^[a-z0-9-]{1,40}$/)
      .optional(),
  })
  .strict();

const EmbeddingsRequest = z
  .object({
    model: z.string().min(1).max(200),
    input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(256)]),
    encoding_format: z.enum(['float', 'base64']).optional(),
  })
  .strict();

export interface BridgeOptions {
  coreOf: (c: Context) => GatewayCore | Promise<GatewayCore>;
  /** The admission key (the API key id); requests without one are refused by the caller's auth first. */
  keyOf: (c: Context) => string;
  /** The caller's provider and tenant, for the log line of an unexpected failure. */
  scopeOf?: (c: Context) => ComponentScope;
  limiter: BridgeLimiter;
  /** Told of each request refused over a limit, with the model it asked for (for `dropped`). */
  onDropped?: (model: string) => void;
  /** Fresh ids for completions; deterministic in tests. */
  newId?: () => string;
  now?: () => number;
}

function errorResponse(c: Context, e: GatewayError): Response {
  const headers: Record<string, string> = {};
  if (e.retryAfterMs !== undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil(e.retryAfterMs / 1000)));
    headers['retry-after-ms'] = String(e.retryAfterMs);
  }
  const body = { error: { code: e.code, type: e.code, message: e.message, param: null } };
  return c.json(body, GATEWAY_ERROR_STATUS[e.code] as 400, headers);
}

/**
 * A failure as the caller sees it. One the gateway did not expect is logged with the request id the `/v1` app
 * answers in X-Request-Id and the caller's tenant, so "see its logs" leads somewhere; never with the key.
 */
function asGatewayError(c: Context, e: unknown, scopeOf?: (c: Context) => ComponentScope): GatewayError {
  if (e instanceof GatewayError) return e;
  componentTelemetry('llm-bridge', scopeOf?.(c) ?? {}).error('llm bridge request failed', {
    request_id: (c.get as (key: string) => unknown)('requestId') ?? null,
    path: c.req.path,
    error: String(e),
  });
  return new GatewayError('internal', 'the gateway failed; see its logs', undefined, { cause: e });
}

async function body<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const json = await c.req.json().catch(() => {
    throw new GatewayError('invalid_request', 'body must be JSON');
  });
  const parsed = schema.safeParse(json);
  if (!parsed.success)
    throw new GatewayError(
      'invalid_request',
      parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)
        .join('; '),
    );
  return parsed.data;
}

/** OpenAI's base64 encoding: little-endian float32 (the `openai` client asks for it by default). */
function float32Base64(vector: readonly number[]): string {
  const bytes = new Uint8Array(new Float32Array(vector).buffer);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000)
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The bridge's routes, to mount under `/v1` behind the API key check. */
export function openAiBridge(options: BridgeOptions): Hono {
  const bridge = new Hono();
  const newId = options.newId ?? (() => crypto.randomUUID().replaceAll('-', ''));
  const now = options.now ?? Date.now;

  bridge.post('/chat/completions', async (c) => {
    let request: z.infer<typeof ChatRequest>;
    try {
      request = await body(c, ChatRequest);
    } catch (e) {
      return errorResponse(c, asGatewayError(c, e, options.scopeOf));
    }
    const admission = options.limiter.admit(options.keyOf(c));
    if (!admission.ok) {
      options.onDropped?.(request.model);
      return errorResponse(c, new GatewayError(admission.code, admission.message, admission.retryAfterMs));
    }
    const id = `chatcmpl-${newId()}`;
    const created = Math.floor(now() / 1000);
    // The body was validated once above with the same message and tool schemas the WebSocket uses;
    // the action is built from it rather than parsed a second time (a 2 MB body would be walked twice).
    const action: ChatCompletionAction = {
      type: 'chat.completion',
      request_id: id,
      model: request.model,
      messages: request.messages,
      stream: request.stream === true,
      use_platform_tools: request.use_platform_tools === true,
      ...(request.max_tool_rounds !== undefined && { max_tool_rounds: request.max_tool_rounds }),
      ...(request.persona !== undefined && { persona: request.persona }),
      ...(request.temperature != null && { temperature: request.temperature }),
      ...(request.max_tokens != null && { max_tokens: request.max_tokens }),
      ...(request.tools && { tools: request.tools }),
      ...(request.tool_choice !== undefined && { tool_choice: request.tool_choice }),
      ...(request.parallel_tool_calls !== undefined && { parallel_tool_calls: request.parallel_tool_calls }),
    };
    const abort = new AbortController();
    // A client that disconnects aborts its request; the core stops the upstream call on this signal.
    c.req.raw.signal.addEventListener('abort', () => abort.abort(), { once: true });
    const core = await options.coreOf(c);
    if (!action.stream) {
      try {
        let complete: Extract<GatewayEvent, { type: 'chat.complete' }> | undefined;
        await core.chat(
          action,
          (e) => {
            if (e.type === 'chat.complete') complete = e;
          },
          abort.signal,
        );
        if (!complete) throw new GatewayError('internal', 'the model finished without an answer');
        return c.json({
          id,
          object: 'chat.completion',
          created,
          model: complete.model,
          choices: [
            {
              index: 0,
              message: {
                role: 'assistant',
                content: complete.output === '' && complete.tool_calls ? null : complete.output,
                refusal: null,
                ...(complete.tool_calls && { tool_calls: complete.tool_calls }),
              },
              finish_reason: complete.finish_reason,
              logprobs: null,
            },
          ],
          usage: complete.usage,
        });
      } catch (e) {
        return errorResponse(c, asGatewayError(c, e, options.scopeOf));
      } finally {
        admission.release();
      }
    }
    return streamChat(
      c,
      core,
      action,
      { id, created, includeUsage: request.stream_options?.include_usage === true },
      abort,
      admission.release,
      (e) => asGatewayError(c, e, options.scopeOf),
    );
  });

  bridge.post('/embeddings', async (c) => {
    let request: z.infer<typeof EmbeddingsRequest>;
    try {
      request = await body(c, EmbeddingsRequest);
    } catch (e) {
      return errorResponse(c, asGatewayError(c, e, options.scopeOf));
    }
    const admission = options.limiter.admit(options.keyOf(c));
    if (!admission.ok) {
      options.onDropped?.(request.model);
      return errorResponse(c, new GatewayError(admission.code, admission.message, admission.retryAfterMs));
    }
    try {
      const core = await options.coreOf(c);
      const answer = await core.embed(request.model, request.input, c.req.raw.signal);
      return c.json({
        object: 'list',
        data: answer.embeddings.map((embedding, index) => ({
          object: 'embedding',
          index,
          embedding: request.encoding_format === 'base64' ? float32Base64(embedding) : embedding,
        })),
        model: answer.model,
        usage: answer.usage,
      });
    } catch (e) {
      return errorResponse(c, asGatewayError(c, e, options.scopeOf));
    } finally {
      admission.release();
    }
  });
  return bridge;
}

/** One per isolate: encoding keeps no state between calls. */
const encoder = new TextEncoder();

/** Streams gateway events as OpenAI chunks; an error after the first byte becomes an `error` event. */
function streamChat(
  c: Context,
  core: GatewayCore,
  action: ChatCompletionAction,
  meta: { id: string; created: number; includeUsage: boolean },
  abort: AbortController,
  release: () => void,
  fail: (e: unknown) => GatewayError,
): Response {
  // Every chunk shares its head (id, created, model): serialised once per stream, not once per token.
  const headOf = (model: string) =>
    `data: {"id":${JSON.stringify(meta.id)},"object":"chat.completion.chunk","created":${meta.created},"model":${JSON.stringify(model)},"choices":[{"index":0,"delta":`;
  let head = headOf(action.model ?? '');
  const chunk = (deltaJson: string, finish: string | null = null) =>
    `${head}${deltaJson},"finish_reason":${finish === null ? 'null' : JSON.stringify(finish)},"logprobs":null}]}\n\n`;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const write = (text: string) => controller.enqueue(encoder.encode(text));
      const send = (value: unknown) => write(`data: ${JSON.stringify(value)}\n\n`);
      write(chunk('{"role":"assistant","content":""}'));
      try {
        await core.chat(
          action,
          (e) => {
            if (e.type === 'chat.delta') write(chunk(`{"content":${JSON.stringify(e.content)}}`));
            if (e.type !== 'chat.complete') return;
            if (e.model !== action.model) head = headOf(e.model);
            for (const [index, call] of (e.tool_calls ?? []).entries())
              write(chunk(JSON.stringify({ tool_calls: [{ index, ...call }] })));
            write(chunk('{}', e.finish_reason));
            if (meta.includeUsage)
              send({
                id: meta.id,
                object: 'chat.completion.chunk',
                created: meta.created,
                model: e.model,
                choices: [],
                usage: e.usage,
              });
          },
          abort.signal,
        );
        controller.enqueue(encoder.encode('data: [DONE]\n\n'));
      } catch (e) {
        const err = fail(e);
        if (!abort.signal.aborted) send({ error: { code: err.code, type: err.code, message: err.message } });
      } finally {
        release();
        controller.close();
      }
    },
    cancel() {
      abort.abort();
    },
  });
  return c.body(body, 200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
}
