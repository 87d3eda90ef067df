/** The model double's deterministic answers, shaped like the OpenAI API's responses. */
import { hashedEmbedding } from '@promethean/functions/models/offline-embedding';
import { offlineSpeechPcm } from '@promethean/functions/models/offline-speech';
import { encodeWav, wavDurationSeconds } from '@promethean/functions/models/wav-audio';
import type {
  ChatCompletionRequest,
  ChatMessage,
  EmbeddingRequest,
  SpeechRequest,
} from './request-shapes.ts';

/** A fixed creation time, so answers are byte-identical across runs. */
const CREATED = 1_767_225_600;

/** Default vector sizes of the embedding models the double knows; others use `fallbackDimension`. */
const MODEL_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/** A scripted tool call; several in one turn are parallel calls. */
export interface ScriptedToolCall {
  name: string;
  /** Sent as the JSON text of this value (or as is, when a string: scripts may send broken JSON). */
  arguments: unknown;
}

/** One assistant turn: text, tool calls, or both. */
export interface ScriptedTurn {
  content?: string;
  tool_calls?: ScriptedToolCall[];
  /** A finish reason to report instead of the natural one (`length`: cut at max_tokens). */
  finish?: 'stop' | 'length' | 'content_filter';
}

/** What the double answers a chat request with: plain text, or a turn that may call tools. */
export type ChatReplyScript = (request: ChatCompletionRequest) => string | ScriptedTurn;

/** The turn a script gave, with deterministic tool call ids (`call_<request seq>_<index>`). */
export function scriptedTurn(request: ChatCompletionRequest, seq: number, reply: ChatReplyScript) {
  const raw = reply(request);
  const turn: ScriptedTurn = typeof raw === 'string' ? { content: raw } : raw;
  const toolCalls = (turn.tool_calls ?? []).map((c, i) => ({
    id: `call_${seq}_${i}`,
    type: 'function' as const,
    function: {
      name: c.name,
      arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
    },
  }));
  const content = turn.content ?? (toolCalls.length > 0 ? null : '');
  const natural = toolCalls.length > 0 ? ('tool_calls' as const) : ('stop' as const);
  return { content, toolCalls, finish: turn.finish ?? natural };
}

/** Word counts stand in for tokens: deterministic, and close enough for usage accounting in tests. */
export function chatUsage(request: ChatCompletionRequest, completion: string) {
  const prompt = request.messages.reduce((n, m) => n + words(messageText(m)), 0);
  return {
    prompt_tokens: prompt,
    completion_tokens: words(completion),
    total_tokens: prompt + words(completion),
  };
}

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** The text of a message, with image parts summarized. */
export function messageText(message: ChatMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (!content) return '';
  return content
    .map((part) => {
      if (part.type === 'text') return part.text;
      const match = /^data:([^;]+);base64,(.*)$/s.exec(part.image_url.url);
      return match
        ? `[an image: ${Buffer.from(match[2] ?? '', 'base64').byteLength} bytes of ${match[1]}]`
        : `[an image at ${part.image_url.url}]`;
    })
    .join(' ');
}

/** Default reply: names itself and echoes the start of the last user message (or describes its images). */
export const defaultChatReply: ChatReplyScript = (request) => {
  const last = [...request.messages].reverse().find((m) => m.role === 'user');
  const text = last ? messageText(last).replace(/\s+/g, ' ').trim() : '';
  const images = text.match(/\[an image[^\]]*\]/g);
  if (images) return `model-double description from ${request.model}: ${images.join(' ')}`;
  return `model-double reply from ${request.model}: ${text.slice(0, 160)}`;
};

export function chatCompletion(request: ChatCompletionRequest, seq: number, reply: ChatReplyScript) {
  const turn = scriptedTurn(request, seq, reply);
  const completion = `${turn.content ?? ''} ${turn.toolCalls.map((c) => c.function.arguments).join(' ')}`;
  return {
    id: `chatcmpl-double-${seq}`,
    object: 'chat.completion',
    created: CREATED,
    model: request.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: turn.content,
          refusal: null,
          ...(turn.toolCalls.length > 0 && { tool_calls: turn.toolCalls }),
        },
        finish_reason: turn.finish,
        logprobs: null,
      },
    ],
    usage: chatUsage(request, completion),
  };
}

function float32Base64(vector: readonly number[]): string {
  const bytes = new Uint8Array(new Float32Array(vector).buffer);
  return Buffer.from(bytes).toString('base64');
}

export function embeddings(request: EmbeddingRequest, fallbackDimension: number) {
  const dimension = request.dimensions ?? MODEL_DIMENSIONS[request.model] ?? fallbackDimension;
  const inputs = typeof request.input === 'string' ? [request.input] : request.input;
  const texts = inputs.map((i) => (typeof i === 'string' ? i : JSON.stringify(i)));
  const data = texts.map((text, index) => {
    const vector = hashedEmbedding(text, dimension);
    return {
      object: 'embedding',
      index,
      embedding: request.encoding_format === 'base64' ? float32Base64(vector) : vector,
    };
  });
  const tokens = texts.reduce((n, t) => n + words(t), 0);
  return {
    object: 'list',
    data,
    model: request.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/** What the double "heard": the file's name and audio length, deterministic for the same bytes. */
export function transcriptText(file: { name: string; bytes: Uint8Array }): {
  text: string;
  duration: number;
} {
  const duration = wavDurationSeconds(file.bytes) ?? file.bytes.byteLength / 32_000;
  return { text: `model double heard ${duration.toFixed(2)} seconds of audio in ${file.name}`, duration };
}

export function transcription(text: string, duration: number, format: string, language: string | undefined) {
  if (format === 'text') return text;
  if (format === 'verbose_json') {
    return {
      task: 'transcribe',
      language: language ?? 'english',
      duration,
      text,
      segments: [
        {
          id: 0,
          seek: 0,
          start: 0,
          end: duration,
          text,
          tokens: [],
          temperature: 0,
          avg_logprob: -0.105,
          compression_ratio: 1,
          no_speech_prob: 0.01,
        },
      ],
    };
  }
  return { text, usage: { type: 'duration', seconds: Math.ceil(duration) } };
}

/** PCM (24 kHz mono s16le, like the real `pcm` format) or the same in a WAV container. */
export function speech(request: SpeechRequest): { body: Uint8Array; contentType: string } | undefined {
  const pcm = offlineSpeechPcm(request.input);
  const format = request.response_format ?? 'mp3';
  if (format === 'pcm') return { body: pcm, contentType: 'audio/pcm' };
  if (format === 'wav')
    return { body: encodeWav(pcm, { sample_rate: 24_000, channels: 1 }), contentType: 'audio/wav' };
  return undefined;
}
