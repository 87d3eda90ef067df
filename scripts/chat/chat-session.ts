/**
 * One terminal chat over the gateway WebSocket: sends each user turn as a `chat.completion` (streamed,
 * platform tools on, optional persona), prints tokens as they arrive and each tool call and result as it
 * happens, and keeps the conversation so the next turn has it.
 */
import {
  type GatewayEvent,
  GatewayEvent as GatewayEventSchema,
} from '@promethean/schemas/llm-gateway/gateway-messages';

/** The part of a WebSocket the session needs (the `ws` package's client fits). */
export interface ChatSocket {
  send(data: string): void;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  off(event: 'message', listener: (data: unknown) => void): unknown;
}

export interface ChatOptions {
  persona?: string;
  /** Where text goes (stdout in the CLI); no newline is added to deltas. */
  write: (text: string) => void;
  /** How long a tool result may be when printed. */
  resultPreviewChars?: number;
}

type Message = { role: 'user' | 'assistant'; content: string };

export class ChatSession {
  readonly #socket: ChatSocket;
  readonly #options: ChatOptions;
  readonly history: Message[] = [];
  #turn = 0;

  constructor(socket: ChatSocket, options: ChatOptions) {
    this.#socket = socket;
    this.#options = options;
  }

  /** Sends one user turn; resolves with the final event (`chat.complete` or `error`). */
  ask(text: string): Promise<GatewayEvent> {
    const requestId = `chat-${++this.#turn}`;
    this.history.push({ role: 'user', content: text });
    const write = this.#options.write;
    const preview = this.#options.resultPreviewChars ?? 160;
    return new Promise((resolve) => {
      const onMessage = (data: unknown) => {
        const parsed = GatewayEventSchema.safeParse(JSON.parse(String(data)));
        if (!parsed.success || parsed.data.request_id !== requestId) return;
        const e = parsed.data;
        if (e.type === 'chat.delta') write(e.content);
        if (e.type === 'tool.call') write(`\n  → ${e.name}(${e.arguments})\n`);
        if (e.type === 'tool.result') {
          const body = e.content.length > preview ? `${e.content.slice(0, preview)}…` : e.content;
          write(`  ${e.ok ? '←' : '✗'} ${e.name}: ${body}\n`);
        }
        if (e.type === 'chat.complete' || e.type === 'error') {
          this.#socket.off('message', onMessage);
          if (e.type === 'chat.complete') {
            this.history.push({ role: 'assistant', content: e.output });
            write(`\n[${e.finish_reason}, ${e.usage.total_tokens} tokens]\n`);
          } else {
            this.history.pop();
            write(
              `\n[error ${e.code}: ${e.message}${e.retry_after_ms !== undefined ? `; retry in ${e.retry_after_ms} ms` : ''}]\n`,
            );
          }
          resolve(e);
        }
      };
      this.#socket.on('message', onMessage);
      this.#socket.send(
        JSON.stringify({
          type: 'chat.completion',
          request_id: requestId,
          messages: this.history,
          stream: true,
          use_platform_tools: true,
          ...(this.#options.persona !== undefined && { persona: this.#options.persona }),
        }),
      );
    });
  }
}
