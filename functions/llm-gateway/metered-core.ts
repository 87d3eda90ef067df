/**
 * Counts what a gateway core does into `GatewayMetrics`, per model and transport: requests, completions with
 * their finish_reason and token usage, and errors. The same wrapper serves the WebSocket and the HTTP bridge,
 * so both report the same figures. Tool calls are counted by the core's `onToolCall` (gateway-core-factory.ts).
 */
import type { GatewayMetrics, GatewayTransport } from '@promethean/shared/ops/gateway-metrics';
import type { GatewayCore } from './gateway-core.ts';
import { GatewayError } from './gateway-errors.ts';

export function meteredCore(
  core: GatewayCore,
  metrics: GatewayMetrics,
  transport: GatewayTransport,
  defaults: { chat: string; embedding: string },
): GatewayCore {
  return {
    ...core,
    async chat(action, emit, signal) {
      const asked = action.model ?? defaults.chat;
      metrics.request(asked, transport);
      let finished = false;
      try {
        await core.chat(
          action,
          (e) => {
            if (e.type === 'chat.complete') {
              finished = true;
              metrics.completed(e.model || asked, transport, e.finish_reason, e.usage);
            }
            emit(e);
          },
          signal,
        );
      } catch (e) {
        // A cancelled request is the client's choice, not a gateway error.
        if (!(e instanceof GatewayError && e.code === 'cancelled') && !finished)
          metrics.error(asked, transport);
        throw e;
      }
    },
    async embed(model, input, signal) {
      const asked = model ?? defaults.embedding;
      metrics.request(asked, transport);
      try {
        const answer = await core.embed(model, input, signal);
        metrics.completed(answer.model || asked, transport, undefined, answer.usage);
        return answer;
      } catch (e) {
        if (!(e instanceof GatewayError && e.code === 'cancelled')) metrics.error(asked, transport);
        throw e;
      }
    },
  };
}
