/**
 * The LLM gateway's counters, as an isolate or a gateway Durable Object keeps them between flushes to the ops
 * ledger: per model and transport (requests, completions, errors, dropped, tokens, finish reasons), per tool
 * (invocations, errors, latency sketch), and the current connections and in-flight requests of each source.
 * Labels are model names, tool names, transports and finish reasons only: never a key, a tenant secret or a
 * prompt.
 */
import { z } from 'zod';
import { LatencySketch, type SketchData } from './latency-sketch.ts';

const count = z.number().int().nonnegative();
const Sketch = z.object({
  zero: count,
  buckets: z.record(z.string().regex(/^-?\d+$/), count),
  count,
  sum: z.number().nonnegative(),
  max: z.number().nonnegative(),
});

/** `ws` and `http`: the gateway's two doors; `agent`: an agent's own model call through its effects. */
export const GatewayTransport = z.enum(['ws', 'http', 'agent']);
export type GatewayTransport = z.infer<typeof GatewayTransport>;

export const GatewayModelDelta = z.object({
  model: z.string().min(1).max(200),
  transport: GatewayTransport,
  /** Requests admitted and run (chat and embeddings). */
  requests: count,
  completed: count,
  errors: count,
  /** Requests refused over a limit (`overloaded` / 429): answered at once, never queued. */
  dropped: count,
  prompt_tokens: count,
  completion_tokens: count,
  finish_reasons: z.record(z.string().regex(/^[a-z_]{1,40}$/), count),
});
export type GatewayModelDelta = z.infer<typeof GatewayModelDelta>;

export const GatewayToolDelta = z.object({
  tool: z.string().regex(/^[a-z0-9_]{1,64}$/),
  invocations: count,
  errors: count,
  latency: Sketch,
});
export type GatewayToolDelta = z.infer<typeof GatewayToolDelta>;

/** Current values of one source (an isolate's bridge, one gateway Durable Object), newest wins. */
export const GatewayGauge = z.object({
  source: z.string().min(1).max(200),
  connections: count,
  in_flight: count,
  at: z.number().int().nonnegative(),
});
export type GatewayGauge = z.infer<typeof GatewayGauge>;

export const GatewayMetricsDelta = z.object({
  models: z.array(GatewayModelDelta),
  tools: z.array(GatewayToolDelta),
  gauges: z.array(GatewayGauge),
});
export type GatewayMetricsDelta = z.infer<typeof GatewayMetricsDelta>;

type ToolCounts = Omit<GatewayToolDelta, 'latency'> & { latency: LatencySketch };
/** Model names come from callers; past this many distinct ones per flush the rest count under `other`. */
const MAX_MODELS = 32;

export class GatewayMetrics {
  #models = new Map<string, GatewayModelDelta>();
  #tools = new Map<string, ToolCounts>();
  #gauges = new Map<string, GatewayGauge>();

  #model(model: string, transport: GatewayTransport): GatewayModelDelta {
    let name = model.slice(0, 200) || 'default';
    if (!this.#models.has(`${transport}\u0000${name}`) && this.#models.size >= MAX_MODELS) name = 'other';
    const key = `${transport}\u0000${name}`;
    let m = this.#models.get(key);
    if (!m) {
      m = {
        model: name,
        transport,
        requests: 0,
        completed: 0,
        errors: 0,
        dropped: 0,
        prompt_tokens: 0,
        completion_tokens: 0,
        finish_reasons: {},
      };
      this.#models.set(key, m);
    }
    return m;
  }

  request(model: string, transport: GatewayTransport): void {
    this.#model(model, transport).requests++;
  }

  completed(
    model: string,
    transport: GatewayTransport,
    finishReason: string | undefined,
    usage: { prompt_tokens: number; completion_tokens?: number } | undefined,
  ): void {
    const m = this.#model(model, transport);
    m.completed++;
    if (finishReason) m.finish_reasons[finishReason] = (m.finish_reasons[finishReason] ?? 0) + 1;
    m.prompt_tokens += usage?.prompt_tokens ?? 0;
    m.completion_tokens += usage?.completion_tokens ?? 0;
  }

  /** One model call an agent made through its effects: a request that completed with what the server reported. */
  agentCall(answer: {
    model: string;
    finish_reason?: string | undefined;
    usage?: { prompt_tokens: number; completion_tokens?: number } | undefined;
  }): void {
    this.request(answer.model, 'agent');
    this.completed(answer.model, 'agent', answer.finish_reason, answer.usage);
  }

  error(model: string, transport: GatewayTransport): void {
    this.#model(model, transport).errors++;
  }

  dropped(model: string, transport: GatewayTransport): void {
    this.#model(model, transport).dropped++;
  }

  tool(tool: string, ok: boolean, latencyMs: number): void {
    let t = this.#tools.get(tool);
    if (!t) {
      t = { tool, invocations: 0, errors: 0, latency: new LatencySketch() };
      this.#tools.set(tool, t);
    }
    t.invocations++;
    if (!ok) t.errors++;
    t.latency.record(Math.max(0, latencyMs));
  }

  gauge(source: string, connections: number, inFlight: number, at: number): void {
    this.#gauges.set(source, { source, connections, in_flight: inFlight, at });
  }

  isEmpty(): boolean {
    return this.#models.size === 0 && this.#tools.size === 0 && this.#gauges.size === 0;
  }

  take(): GatewayMetricsDelta {
    const delta: GatewayMetricsDelta = {
      models: [...this.#models.values()].map((m) => ({ ...m, finish_reasons: { ...m.finish_reasons } })),
      tools: [...this.#tools.values()].map((t) => ({ ...t, latency: t.latency.toJSON() })),
      gauges: [...this.#gauges.values()],
    };
    this.#models = new Map();
    this.#tools = new Map();
    this.#gauges = new Map();
    return delta;
  }

  /** Puts back a delta whose flush failed; gauges already replaced by newer values stay newer. */
  restore(delta: GatewayMetricsDelta): void {
    for (const d of delta.models) {
      const m = this.#model(d.model, d.transport);
      m.requests += d.requests;
      m.completed += d.completed;
      m.errors += d.errors;
      m.dropped += d.dropped;
      m.prompt_tokens += d.prompt_tokens;
      m.completion_tokens += d.completion_tokens;
      for (const [k, v] of Object.entries(d.finish_reasons))
        m.finish_reasons[k] = (m.finish_reasons[k] ?? 0) + v;
    }
    for (const d of delta.tools) {
      let t = this.#tools.get(d.tool);
      if (!t) {
        t = { tool: d.tool, invocations: 0, errors: 0, latency: new LatencySketch() };
        this.#tools.set(d.tool, t);
      }
      t.invocations += d.invocations;
      t.errors += d.errors;
      t.latency.merge(d.latency as SketchData);
    }
    for (const g of delta.gauges) if (!this.#gauges.has(g.source)) this.#gauges.set(g.source, g);
  }
}
