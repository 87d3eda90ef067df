/**
 * The double's streamed chat answers: the chunks the OpenAI API sends for `stream: true`, cut
 * deterministically (one word with its trailing space per content chunk, 24 characters per tool-argument
 * chunk), so tests can assert chunk boundaries and the bridge's parity with the WebSocket gateway.
 */
import { type ChatReplyScript, chatUsage, scriptedTurn } from './double-answers.ts';
import type { ChatCompletionRequest } from './request-shapes.ts';

/** Fixed, like the non-streamed answer's, so streams are byte-identical across runs. */
const CREATED = 1_767_225_600;
/** Characters of tool-call arguments per chunk. */
export const ARGUMENT_CHUNK_CHARS = 24;

/** Content cut into words, each keeping the whitespace after it (a leading space stays with the first). */
export function contentPieces(content: string): string[] {
  return content.match(/^\s+|\S+\s*/g) ?? [];
}

function argumentPieces(args: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i += ARGUMENT_CHUNK_CHARS)
    out.push(args.slice(i, i + ARGUMENT_CHUNK_CHARS));
  return out;
}

/** Every chunk of one streamed answer, in order (without the closing `[DONE]`). */
export function chatChunks(request: ChatCompletionRequest, seq: number, reply: ChatReplyScript): unknown[] {
  const turn = scriptedTurn(request, seq, reply);
  const head = {
    id: `chatcmpl-double-${seq}`,
    object: 'chat.completion.chunk',
    created: CREATED,
    model: request.model,
  };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    ...head,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });
  const chunks: unknown[] = [
    chunk({ role: 'assistant', content: turn.content === null ? null : '', refusal: null }),
  ];
  for (const piece of contentPieces(turn.content ?? '')) chunks.push(chunk({ content: piece }));
  turn.toolCalls.forEach((call, index) => {
    chunks.push(
      chunk({
        tool_calls: [
          { index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } },
        ],
      }),
    );
    for (const piece of argumentPieces(call.function.arguments))
      chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  });
  chunks.push(chunk({}, turn.finish));
  if (request.stream_options?.include_usage) {
    const completion = `${turn.content ?? ''} ${turn.toolCalls.map((c) => c.function.arguments).join(' ')}`;
    chunks.push({ ...head, choices: [], usage: chatUsage(request, completion) });
  }
  return chunks;
}
