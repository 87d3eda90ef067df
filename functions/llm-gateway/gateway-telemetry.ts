/**
 * Where the gateway's counters go: the HTTP bridge counts into its isolate's `OpsRecorder` and each
 * `LlmGateway` object into its own, and both flush to the ops ledger at most once per `FLUSH_EVERY_MS` after a
 * request (an isolate serving only HTTP has no queue batch to flush after). The ledger sums them for
 * `/metrics` (docs/operations.md, "LLM gateway").
 */
import type { GatewayTransport } from '@promethean/shared/ops/gateway-metrics';
import type { IsolateOps, OpsLedgerPort } from '@promethean/shared/ops/isolate-ops';
import type { ApiKeyRecord } from '../api/api-key-format.ts';
import { readModelSettings } from '../models/model-settings.ts';
import type { GatewayCore } from './gateway-core.ts';
import { meteredCore } from './metered-core.ts';
import { workerGatewayCore } from './worker-gateway-core.ts';

export const FLUSH_EVERY_MS = 10_000;

/** A flush at most once per interval, never two at a time. */
export class ThrottledFlush {
  #last = Number.NEGATIVE_INFINITY;
  #running: Promise<unknown> | undefined;

  /**
   * `ops` is asked for at the first flush, not here: a module-scope instance must not build the isolate's
   * ops (a random isolate id) in global scope, which workerd refuses at startup.
   */
  constructor(
    private readonly ops: () => IsolateOps,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a flush when one is due; the caller hands the promise to `waitUntil`. */
  maybe(ledger: OpsLedgerPort): Promise<unknown> | undefined {
    const now = this.now();
    if (this.#running || now - this.#last < FLUSH_EVERY_MS) return undefined;
    this.#last = now;
    this.#running = this.ops()
      .flush(ledger)
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }
}

/** The Worker's core for one caller, metered for `transport` into `ops`. */
export async function meteredWorkerCore(
  env: FunctionsEnv,
  principal: ApiKeyRecord,
  ops: IsolateOps,
  transport: GatewayTransport,
): Promise<GatewayCore> {
  const metrics = ops.recorder.gateway;
  const core = await workerGatewayCore(env, principal, {
    toolCall: (tool, ok, ms) => metrics.tool(tool, ok, ms),
  });
  const settings = readModelSettings(env as unknown as Record<string, unknown>);
  return meteredCore(core, metrics, transport, { chat: settings.llm_model, embedding: settings.embed_model });
}
