/**
 * One WebSocket client of the gateway, free of any transport: parses and validates every action, runs it
 * on the core, sends events back, enforces the per-connection in-flight limit (answering `overloaded` at
 * once, never queueing) and cancels in-flight work on `cancel` or when the socket closes.
 */
import { GatewayAction, type GatewayEvent } from '@promethean/schemas/llm-gateway/gateway-messages';
import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import type { GatewayCore } from './gateway-core.ts';
import { GatewayError } from './gateway-errors.ts';

export interface ConnectionLimits {
  /** Requests one connection may have running; more are refused with `overloaded`. */
  maxInFlight: number;
  /** A message larger than this is refused before parsing (inputs of 1–2 MB fit). */
  maxMessageBytes: number;
  /** The retry hint an `overloaded` answer carries. */
  overloadRetryMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxInFlight: 8,
  maxMessageBytes: 4 * 1024 * 1024,
  overloadRetryMs: 250,
};

/** Counters a connection reports (the Durable Object sums them into its metrics). */
export interface ConnectionStats {
  requests: number;
  dropped: number;
  completed: number;
  errors: number;
  finish_reasons: Record<string, number>;
  tokens: number;
}

function requestIdOf(value: unknown): string | null {
  const id = (value as { request_id?: unknown } | null)?.request_id;
  return typeof id === 'string' && /^[A-Za-z0-9_.:-]{1,100}$/.test(id) ? id : null;
}

export class GatewayConnection {
  readonly #core: GatewayCore;
  readonly #send: (event: GatewayEvent) => void;
  readonly #limits: ConnectionLimits;
  readonly #onDropped: ((model: string | undefined) => void) | undefined;
  readonly #inFlight = new Map<string, AbortController>();
  readonly stats: ConnectionStats = {
    requests: 0,
    dropped: 0,
    completed: 0,
    errors: 0,
    finish_reasons: {},
    tokens: 0,
  };

  constructor(
    core: GatewayCore,
    send: (event: GatewayEvent) => void,
    limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS,
    /** Told of each request refused over the limit, with the model it asked for (for `dropped`). */
    onDropped?: (model: string | undefined) => void,
  ) {
    this.#core = core;
    this.#send = send;
    this.#limits = limits;
    this.#onDropped = onDropped;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  #error(requestId: string | null, e: unknown): void {
    const err =
      e instanceof GatewayError
        ? e
        : new GatewayError('internal', 'the gateway failed; see its logs', undefined, { cause: e });
    if (!(e instanceof GatewayError))
      componentTelemetry('llm-gateway-connection').error('gateway request failed', {
        request_id: requestId,
        error: String(e),
      });
    this.stats.errors += 1;
    this.#send({
      type: 'error',
      request_id: requestId,
      code: err.code,
      message: err.message,
      ...(err.retryAfterMs !== undefined && { retry_after_ms: err.retryAfterMs }),
    });
  }

  /** Takes one raw WebSocket message. Never throws: every failure is an `error` event. */
  handle(raw: string | ArrayBuffer): Promise<void> {
    if (typeof raw !== 'string') {
      this.#error(
        null,
        new GatewayError('unsupported_content', 'binary messages are not accepted; send JSON text'),
      );
      return Promise.resolve();
    }
    if (raw.length > this.#limits.maxMessageBytes) {
      this.#error(
        null,
        new GatewayError('invalid_request', `message larger than ${this.#limits.maxMessageBytes} bytes`),
      );
      return Promise.resolve();
    }
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      this.#error(null, new GatewayError('invalid_request', 'message is not JSON'));
      return Promise.resolve();
    }
    const parsed = GatewayAction.safeParse(json);
    if (!parsed.success) {
      const detail = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || 'message'}: ${i.message}`)
        .join('; ');
      this.#error(requestIdOf(json), new GatewayError('invalid_request', detail));
      return Promise.resolve();
    }
    const action = parsed.data;
    if (action.type === 'cancel') {
      this.#inFlight.get(action.request_id)?.abort(new GatewayError('cancelled', 'cancelled by the client'));
      return Promise.resolve();
    }
    if (action.type === 'system.health') {
      this.#send({
        type: 'system.health',
        request_id: action.request_id,
        ok: true,
        in_flight: this.#inFlight.size,
        max_in_flight: this.#limits.maxInFlight,
        tools: this.#core.toolCount(),
        ...(this.#core.catalogHash() !== undefined && { catalog_hash: this.#core.catalogHash() }),
      });
      return Promise.resolve();
    }
    if (this.#inFlight.has(action.request_id)) {
      this.#error(
        action.request_id,
        new GatewayError('invalid_request', `request ${action.request_id} is already running`),
      );
      return Promise.resolve();
    }
    if (this.#inFlight.size >= this.#limits.maxInFlight) {
      this.stats.dropped += 1;
      this.#onDropped?.('model' in action ? action.model : undefined);
      this.#error(
        action.request_id,
        new GatewayError(
          'overloaded',
          `at most ${this.#limits.maxInFlight} requests may run per connection`,
          this.#limits.overloadRetryMs,
        ),
      );
      return Promise.resolve();
    }
    const abort = new AbortController();
    this.#inFlight.set(action.request_id, abort);
    this.stats.requests += 1;
    return this.#run(action, abort.signal).finally(() => this.#inFlight.delete(action.request_id));
  }

  async #run(
    action: Exclude<GatewayAction, { type: 'cancel' | 'system.health' }>,
    signal: AbortSignal,
  ): Promise<void> {
    try {
      if (action.type === 'chat.completion') {
        await this.#core.chat(
          action,
          (e) => {
            if (signal.aborted) return;
            if (e.type === 'chat.complete') {
              this.stats.completed += 1;
              this.stats.tokens += e.usage.total_tokens;
              this.stats.finish_reasons[e.finish_reason] =
                (this.stats.finish_reasons[e.finish_reason] ?? 0) + 1;
            }
            this.#send(e);
          },
          signal,
        );
      } else if (action.type === 'embedding.query') {
        const answer = await this.#core.embed(action.model, action.input, signal);
        this.#send({ type: 'embedding.result', request_id: action.request_id, ...answer });
      } else {
        const result = await this.#core.invokeTool(action.name, action.arguments, signal);
        this.#send({
          type: 'tool.result',
          request_id: action.request_id,
          call_id: action.request_id,
          name: action.name,
          ok: result.ok,
          content: result.ok ? result.content : result.error,
          round: 0,
        });
      }
    } catch (e) {
      this.#error(
        action.request_id,
        signal.aborted ? new GatewayError('cancelled', 'the request was cancelled') : e,
      );
    }
  }

  /** The socket closed: stop every upstream call it started. */
  close(): void {
    for (const abort of this.#inFlight.values())
      abort.abort(new GatewayError('cancelled', 'the client went away'));
    this.#inFlight.clear();
  }
}
