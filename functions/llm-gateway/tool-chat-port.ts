/**
 * The `llm.tools` effect port: an agent's chat through the gateway core's tool loop, acting as the tenant and
 * narrowed to one channel. Agents hold no API key; the scope is a key record made here, never stored, so the
 * tools see exactly what a channel-narrowed tenant key would (crawled web pages are tenant-wide by design).
 */
import type { GatewayEvent } from '@promethean/schemas/llm-gateway/gateway-messages';
import type { ToolChatPort } from '@promethean/shared/effects/effect-ports';
import type { ApiKeyRecord } from '../api/api-key-format.ts';
import type { GatewayCore } from './gateway-core.ts';

/** The key record an agent's tool calls act as: this tenant, this channel only. */
export function agentPrincipal(
  agent: string,
  scope: { provider: string; tenant: string; channel_id: string },
): ApiKeyRecord {
  return {
    key_id: `agent-${agent}`,
    label: `agent ${agent}`,
    created_at: '1970-01-01T00:00:00.000Z',
    provider: scope.provider,
    tenant: scope.tenant,
    channels: [scope.channel_id],
  };
}

let sequence = 0;

export function gatewayToolChat(
  coreFor: (principal: ApiKeyRecord) => Promise<GatewayCore>,
  o: {
    agent: string;
    provider: string;
    tenant: string;
    offline: boolean;
  },
): ToolChatPort {
  return {
    async chat(request) {
      const core = await coreFor(agentPrincipal(o.agent, { ...o, channel_id: request.channel_id }));
      let complete: Extract<GatewayEvent, { type: 'chat.complete' }> | undefined;
      const calls: Array<{ name: string; ok: boolean }> = [];
      sequence = (sequence + 1) % 1_000_000;
      await core.chat(
        {
          type: 'chat.completion',
          request_id: `${o.agent}-tools-${sequence}`,
          messages: [{ role: 'system', content: request.system }, ...request.messages],
          stream: false,
          use_platform_tools: true,
          ...(request.max_tokens !== undefined && { max_tokens: request.max_tokens }),
          ...(request.temperature !== undefined && { temperature: request.temperature }),
          ...(request.max_rounds !== undefined && { max_tool_rounds: request.max_rounds }),
        },
        (e) => {
          if (e.type === 'tool.result') calls.push({ name: e.name, ok: e.ok });
          if (e.type === 'chat.complete') complete = e;
        },
        new AbortController().signal,
      );
      if (!complete) throw new Error('the gateway finished without an answer');
      return { text: complete.output, model: complete.model, offline: o.offline, tool_calls: calls };
    },
  };
}
