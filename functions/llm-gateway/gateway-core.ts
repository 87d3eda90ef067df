/**
 * The four gateway actions over one set of dependencies (upstream client, platform tools): what both the
 * WebSocket connection and the HTTP bridge call, so they cannot drift apart.
 */
import type { ChatCompletionAction, GatewayEvent } from '@promethean/schemas/llm-gateway/gateway-messages';
import type { ToolResult } from '@promethean/shared/openapi-tools/tool-client';
import type OpenAI from 'openai';
import { type ChatEngineDeps, runChat } from './chat-engine.ts';
import { GatewayError, upstreamFailure } from './gateway-errors.ts';
import { applyPersona } from './personas.ts';

export interface EmbeddingAnswer {
  model: string;
  embeddings: number[][];
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface GatewayCore {
  chat(action: ChatCompletionAction, emit: (e: GatewayEvent) => void, signal: AbortSignal): Promise<void>;
  embed(model: string | undefined, input: string | string[], signal: AbortSignal): Promise<EmbeddingAnswer>;
  invokeTool(name: string, args: unknown, signal: AbortSignal): Promise<ToolResult>;
  toolCount(): number;
  catalogHash(): string | undefined;
}

export interface CoreDeps extends ChatEngineDeps {
  defaultEmbeddingModel: string;
  catalogHash?: string;
}

export function gatewayCore(deps: CoreDeps): GatewayCore {
  return {
    chat: async (action, emit, signal) => runChat(deps, applyPersona(action), emit, signal),
    async embed(model, input, signal) {
      try {
        const res = await deps.openai.embeddings.create(
          { model: model ?? deps.defaultEmbeddingModel, input, encoding_format: 'float' },
          { signal },
        );
        return {
          model: res.model,
          embeddings: [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding),
          usage: { prompt_tokens: res.usage.prompt_tokens, total_tokens: res.usage.total_tokens },
        };
      } catch (e) {
        throw upstreamFailure(e, signal);
      }
    },
    async invokeTool(name, args, signal) {
      if (!deps.platformTools) throw new GatewayError('forbidden', 'tools need a /v1 API key');
      const started = (deps.now ?? Date.now)();
      const result = await deps.platformTools.client.invoke({ name, arguments: args }, signal);
      deps.onToolCall?.(name, result.ok, (deps.now ?? Date.now)() - started);
      return result;
    },
    toolCount: () => deps.platformTools?.tools.length ?? 0,
    catalogHash: () => deps.catalogHash,
  };
}

/** Builds an `openai` client for the upstream; no retries of its own (the caller sees retry hints). */
export type UpstreamClient = OpenAI;
