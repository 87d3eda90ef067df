/**
 * Builds the completion request: the constant system prompt, then user-role messages only — the
 * context and the question, each framed as untrusted data. User text never reaches the system role.
 */
import type { CompletionRequest } from '@promethean/shared/effects/effect-ports';
import { frameUntrusted } from '../../models/untrusted-text.ts';
import type { ContextLine, ReplyContext } from './reply-context.ts';
import { SYSTEM_PROMPT } from './system-prompt.ts';

export interface PromptInput {
  question: string;
  askerName: string;
  context: ReplyContext;
  maxContextChars: number;
  maxTokens: number;
}

function render(line: ContextLine): string {
  return `[${line.at}] ${line.author}: ${line.text}`;
}

/** Lines until the character budget is spent, newest kept when recent context must be cut. */
function budgeted(lines: readonly ContextLine[], budget: number, keepNewest: boolean): string[] {
  const ordered = keepNewest ? [...lines].reverse() : [...lines];
  const out: string[] = [];
  let used = 0;
  for (const line of ordered) {
    const text = render(line);
    if (used + text.length > budget) break;
    out.push(text);
    used += text.length + 1;
  }
  return keepNewest ? out.reverse() : out;
}

export function buildPrompt(input: PromptInput): CompletionRequest {
  const half = Math.floor(input.maxContextChars / 2);
  const retrieved = budgeted(input.context.retrieved, half, false);
  const recent = budgeted(input.context.recent, input.maxContextChars - half, true);
  const messages: CompletionRequest['messages'] = [];
  if (retrieved.length > 0) {
    messages.push({
      role: 'user',
      content: frameUntrusted('context: related earlier messages', retrieved.join('\n')),
    });
  }
  if (recent.length > 0) {
    messages.push({
      role: 'user',
      content: frameUntrusted('context: recent messages in this channel', recent.join('\n')),
    });
  }
  messages.push({
    role: 'user',
    content: frameUntrusted('question', `${input.askerName} asks: ${input.question}`),
  });
  return { system: SYSTEM_PROMPT, messages, max_tokens: input.maxTokens };
}
