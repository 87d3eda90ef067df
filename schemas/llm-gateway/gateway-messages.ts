/**
 * The LLM gateway's WebSocket protocol (docs/api/llm-gateway.md): the actions a client sends and the events
 * the gateway answers with, each carrying the client's `request_id`. One schema per message, validated on
 * both sides at runtime; JSON Schema for other languages is generated into schemas/json/llm-gateway/.
 */
import { z } from 'zod';

export const RequestId = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,100}$/)
  .describe('chosen by the client; every event about this request carries it back');

const TextPart = z.object({ type: z.literal('text'), text: z.string() }).strict();

const ToolCall = z
  .object({
    id: z.string().min(1).max(200),
    type: z.literal('function'),
    function: z.object({ name: z.string().min(1).max(64), arguments: z.string() }).strict(),
  })
  .strict();

/**
 * Chat messages as in OpenAI's chat completions. Only text is accepted: a non-text part (an image, audio) is
 * refused by name rather than silently dropped.
 */
export const GatewayChatMessage = z.discriminatedUnion('role', [
  z
    .object({ role: z.enum(['system', 'developer']), content: z.union([z.string(), z.array(TextPart)]) })
    .strict(),
  z
    .object({
      role: z.literal('user'),
      content: z.union([z.string(), z.array(z.object({ type: z.string() }).loose())]),
      name: z.string().optional(),
    })
    .strict(),
  z
    .object({
      role: z.literal('assistant'),
      content: z.union([z.string(), z.array(TextPart), z.null()]).optional(),
      tool_calls: z.array(ToolCall).optional(),
    })
    .strict(),
  z.object({ role: z.literal('tool'), tool_call_id: z.string().min(1), content: z.string() }).strict(),
]);
export type GatewayChatMessage = z.infer<typeof GatewayChatMessage>;

export const FunctionTool = z
  .object({
    type: z.literal('function'),
    function: z
      .object({
        name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
        description: z.string().optional(),
        parameters: z.record(z.string(), z.unknown()).optional(),
      })
      .strict(),
  })
  .strict();

export const ToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string() }).strict() }).strict(),
]);

export const ChatCompletionAction = z
  .object({
    type: z.literal('chat.completion'),
    request_id: RequestId,
    model: z.string().min(1).max(200).optional().describe('the gateway default when absent'),
    messages: z.array(GatewayChatMessage).min(1).max(500),
    stream: z.boolean().default(true),
    temperature: z.number().min(0).max(2).optional(),
    max_tokens: z.number().int().positive().optional(),
    /** The caller's own tools: tool calls come back to the caller (finish_reason tool_calls), as in OpenAI. */
    tools: z.array(FunctionTool).max(128).optional(),
    tool_choice: ToolChoice.optional(),
    parallel_tool_calls: z.boolean().optional(),
    /** Let the gateway run the `/v1` tools itself (the tool loop), with the caller's key. */
    use_platform_tools: z.boolean().default(false),
    max_tool_rounds: z.number().int().min(1).max(8).optional(),
    persona: z
      .string()
      .regex(/^[a-z0-9-]{1,40}$/)
      .optional(),
  })
  .strict();

export const EmbeddingQueryAction = z
  .object({
    type: z.literal('embedding.query'),
    request_id: RequestId,
    model: z.string().min(1).max(200).optional(),
    input: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(256)]),
  })
  .strict();

export const ToolInvokeAction = z
  .object({
    type: z.literal('tool.invoke'),
    request_id: RequestId,
    name: z.string().min(1).max(64),
    arguments: z.union([z.string(), z.record(z.string(), z.unknown())]),
  })
  .strict();

export const SystemHealthAction = z
  .object({ type: z.literal('system.health'), request_id: RequestId })
  .strict();
export const CancelAction = z.object({ type: z.literal('cancel'), request_id: RequestId }).strict();

export const GatewayAction = z.discriminatedUnion('type', [
  ChatCompletionAction,
  EmbeddingQueryAction,
  ToolInvokeAction,
  SystemHealthAction,
  CancelAction,
]);
export type GatewayAction = z.infer<typeof GatewayAction>;
export type ChatCompletionAction = z.infer<typeof ChatCompletionAction>;

const Usage = z
  .object({
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    total_tokens: z.number().int(),
  })
  .strict();

export const GatewayErrorCode = z.enum([
  'invalid_request',
  'unsupported_content',
  'unauthorized',
  'forbidden',
  'unknown_model',
  'overloaded',
  'rate_limited',
  'upstream_error',
  'timeout',
  'cancelled',
  'internal',
]);
export type GatewayErrorCode = z.infer<typeof GatewayErrorCode>;

export const GatewayEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('chat.delta'), request_id: RequestId, content: z.string() }).strict(),
  z
    .object({
      type: z.literal('tool.call'),
      request_id: RequestId,
      call_id: z.string(),
      name: z.string(),
      arguments: z.string(),
      round: z.number().int(),
    })
    .strict(),
  z
    .object({
      type: z.literal('tool.result'),
      request_id: RequestId,
      call_id: z.string(),
      name: z.string(),
      ok: z.boolean(),
      content: z.string().describe('the result, or a short error the model can act on'),
      round: z.number().int(),
    })
    .strict(),
  z
    .object({
      type: z.literal('chat.complete'),
      request_id: RequestId,
      model: z.string(),
      output: z.string(),
      tool_calls: z.array(ToolCall).optional(),
      usage: Usage,
      finish_reason: z.enum(['stop', 'length', 'tool_calls', 'content_filter', 'tool_rounds_exhausted']),
    })
    .strict(),
  z
    .object({
      type: z.literal('embedding.result'),
      request_id: RequestId,
      model: z.string(),
      embeddings: z.array(z.array(z.number())),
      usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }).strict(),
    })
    .strict(),
  z
    .object({
      type: z.literal('system.health'),
      request_id: RequestId,
      ok: z.boolean(),
      in_flight: z.number().int(),
      max_in_flight: z.number().int(),
      tools: z.number().int(),
      catalog_hash: z.string().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('error'),
      request_id: RequestId.nullable(),
      code: GatewayErrorCode,
      message: z.string(),
      retry_after_ms: z.number().int().nonnegative().optional(),
    })
    .strict(),
]);
export type GatewayEvent = z.infer<typeof GatewayEvent>;
