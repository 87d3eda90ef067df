/**
 * The request bodies the model double accepts, written from the OpenAI API reference (chat
 * completions, embeddings, audio transcriptions, audio speech). Unknown fields are refused, as the
 * real API refuses an unrecognized argument, so a client that drifts from the protocol fails here.
 */
import { z } from 'zod';

const TextPart = z.object({ type: z.literal('text'), text: z.string() }).strict();
const ImagePart = z
  .object({
    type: z.literal('image_url'),
    image_url: z
      .object({ url: z.string().min(1), detail: z.enum(['auto', 'low', 'high']).optional() })
      .strict(),
  })
  .strict();

const ToolCallMessage = z
  .object({
    id: z.string().min(1),
    type: z.literal('function'),
    function: z.object({ name: z.string().min(1), arguments: z.string() }).strict(),
  })
  .strict();

/** A function tool, as the API reference defines it; names as the real API restricts them. */
const FunctionTool = z
  .object({
    type: z.literal('function'),
    function: z
      .object({
        name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
        description: z.string().optional(),
        parameters: z.record(z.string(), z.unknown()).optional(),
        strict: z.boolean().nullable().optional(),
      })
      .strict(),
  })
  .strict();

const ToolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string() }).strict() }).strict(),
]);

const ChatMessage = z.discriminatedUnion('role', [
  z
    .object({
      role: z.literal('system'),
      content: z.union([z.string(), z.array(TextPart)]),
      name: z.string().optional(),
    })
    .strict(),
  z
    .object({
      role: z.literal('developer'),
      content: z.union([z.string(), z.array(TextPart)]),
      name: z.string().optional(),
    })
    .strict(),
  z
    .object({
      role: z.literal('user'),
      content: z.union([z.string(), z.array(z.discriminatedUnion('type', [TextPart, ImagePart])).min(1)]),
      name: z.string().optional(),
    })
    .strict(),
  z
    .object({
      role: z.literal('assistant'),
      content: z.union([z.string(), z.array(TextPart), z.null()]).optional(),
      name: z.string().optional(),
      refusal: z.string().nullable().optional(),
      tool_calls: z.array(ToolCallMessage).min(1).optional(),
    })
    .strict(),
  z
    .object({
      role: z.literal('tool'),
      content: z.union([z.string(), z.array(TextPart)]),
      tool_call_id: z.string().min(1),
    })
    .strict(),
]);
export type ChatMessage = z.infer<typeof ChatMessage>;

export const ChatCompletionRequest = z
  .object({
    model: z.string().min(1),
    messages: z.array(ChatMessage).min(1),
    max_tokens: z.number().int().positive().nullable().optional(),
    max_completion_tokens: z.number().int().positive().nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    n: z.number().int().min(1).max(128).nullable().optional(),
    stop: z
      .union([z.string(), z.array(z.string()).max(4)])
      .nullable()
      .optional(),
    seed: z.number().int().nullable().optional(),
    user: z.string().optional(),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().optional() }).strict().nullable().optional(),
    tools: z.array(FunctionTool).max(128).optional(),
    tool_choice: ToolChoice.optional(),
    parallel_tool_calls: z.boolean().optional(),
  })
  .strict();
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

/** Input strings must be non-empty: the real API answers 400 for "" — so must a client-side filter. */
export const EmbeddingRequest = z
  .object({
    model: z.string().min(1),
    input: z.union([
      z.string().min(1),
      z.array(z.string().min(1)).min(1).max(2048),
      z.array(z.number().int()).min(1),
      z.array(z.array(z.number().int()).min(1)).min(1).max(2048),
    ]),
    encoding_format: z.enum(['float', 'base64']).optional(),
    dimensions: z.number().int().min(1).optional(),
    user: z.string().optional(),
  })
  .strict();
export type EmbeddingRequest = z.infer<typeof EmbeddingRequest>;

/** Multipart fields of `POST /v1/audio/transcriptions`; `file` is checked separately (it is a File). */
export const TranscriptionFields = z
  .object({
    model: z.string().min(1),
    language: z
      .string()
      .regex(/^[a-z]{2,3}$/, 'ISO-639-1 language code')
      .optional(),
    prompt: z.string().optional(),
    response_format: z.enum(['json', 'text', 'srt', 'verbose_json', 'vtt', 'diarized_json']).optional(),
    temperature: z.coerce.number().min(0).max(1).optional(),
    'timestamp_granularities[]': z.enum(['word', 'segment']).optional(),
    'include[]': z.literal('logprobs').optional(),
    stream: z.enum(['true', 'false']).optional(),
  })
  .strict();
export type TranscriptionFields = z.infer<typeof TranscriptionFields>;

export const SpeechRequest = z
  .object({
    model: z.string().min(1),
    input: z.string().min(1).max(4096),
    voice: z.union([z.string().min(1), z.object({ id: z.string().min(1) }).strict()]),
    instructions: z.string().max(4096).optional(),
    response_format: z.enum(['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm']).optional(),
    speed: z.number().min(0.25).max(4).optional(),
    stream_format: z.enum(['sse', 'audio']).optional(),
  })
  .strict();
export type SpeechRequest = z.infer<typeof SpeechRequest>;
