/**
 * Turns a model's tool call (`{name, arguments}`) into the HTTP call its OpenAPI operation describes, and the
 * answer into a bounded, model-readable result. Never throws for anything a model or a server did: unknown
 * tool, invalid arguments, timeout, error status and oversized bodies all become a short error the model can
 * read and recover from.
 */
import { checkArguments } from './argument-validator.ts';
import type { ToolCatalog } from './tool-catalog.ts';

/** Defaults from the gateway's contract: 10 s per call, 256 KB of result. */
export const TOOL_TIMEOUT_MS = 10_000;
export const TOOL_RESULT_MAX_BYTES = 256 * 1024;

export interface ToolCall {
  name: string;
  /** A JSON string (as models send it) or an object. */
  arguments: unknown;
}

export type ToolResult =
  | { ok: true; name: string; status: number; content: string; truncated: boolean }
  | { ok: false; name: string; error: string; status?: number };

export interface ToolClientOptions {
  /** The server URL the document's paths are relative to (for `/v1`: `https://host/v1`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer`: the caller's own key, so the call has the caller's tenant scope. */
  apiKey?: string;
  fetch?: (input: Request) => Promise<Response>;
  timeoutMs?: number;
  maxResultBytes?: number;
}

/** Reads at most `max` bytes of a body, cancelling the rest so a huge answer costs no more than that. */
async function boundedText(res: Response, max: number): Promise<{ text: string; truncated: boolean }> {
  if (!res.body) return { text: '', truncated: false };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > max) {
      chunks.push(value.subarray(0, max - size));
      size = max;
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  // A cut may split a UTF-8 sequence: decode leniently rather than fail on the last character.
  return { text: new TextDecoder().decode(all), truncated };
}

/** The error line of a `/v1`-style error body, or the status alone. */
function errorLine(status: number, text: string): string {
  try {
    const body = JSON.parse(text) as {
      error?: { code?: unknown; message?: unknown } | string;
      message?: unknown;
    };
    const e = body.error;
    if (typeof e === 'object' && e !== null && typeof e.message === 'string')
      return `HTTP ${status} ${String(e.code ?? '')}: ${e.message}`.replace(/ :/, ':');
    if (typeof body.message === 'string') return `HTTP ${status}: ${body.message}`;
  } catch {
    // Not JSON: fall through to the status line.
  }
  return `HTTP ${status}: ${text.slice(0, 200)}`;
}

export class ToolClient {
  readonly #catalog: ToolCatalog;
  readonly #options: Required<Omit<ToolClientOptions, 'apiKey'>> & { apiKey?: string };

  constructor(catalog: ToolCatalog, options: ToolClientOptions) {
    if (!/^https?:\/\//.test(options.baseUrl))
      throw new TypeError(`ToolClient baseUrl must be http(s): ${options.baseUrl}`);
    this.#catalog = catalog;
    this.#options = {
      timeoutMs: TOOL_TIMEOUT_MS,
      maxResultBytes: TOOL_RESULT_MAX_BYTES,
      fetch: (r) => fetch(r),
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    };
  }

  /** The HTTP request a valid call makes (exposed for tests and the MCP server's logs). */
  request(name: string, args: Record<string, unknown>, signal?: AbortSignal): Request {
    const op = this.#catalog.operations.get(name);
    if (!op) throw new TypeError(`unknown tool ${name}`);
    const path = op.path.replace(/\{([^}]+)\}/g, (_m, p: string) =>
      encodeURIComponent(String(args[p] ?? '')),
    );
    const url = new URL(`${this.#options.baseUrl}${path}`);
    for (const q of op.queryParams) {
      const v = args[q];
      if (v === undefined || v === null) continue;
      for (const item of Array.isArray(v) ? v : [v]) url.searchParams.append(q, String(item));
    }
    const headers = new Headers({ accept: 'application/json' });
    if (this.#options.apiKey) headers.set('authorization', `Bearer ${this.#options.apiKey}`);
    let body: string | undefined;
    if (op.bodyMode === 'whole') body = JSON.stringify(args.body);
    if (op.bodyMode === 'merged')
      body = JSON.stringify(
        Object.fromEntries(op.bodyParams.filter((p) => p in args).map((p) => [p, args[p]])),
      );
    if (body !== undefined) headers.set('content-type', 'application/json');
    return new Request(url, {
      method: op.method,
      headers,
      ...(body !== undefined && { body }),
      ...(signal && { signal }),
    });
  }

  /** Runs one tool call; `signal` lets the caller abort it (the gateway's cancellation). */
  async invoke(call: ToolCall, signal?: AbortSignal): Promise<ToolResult> {
    const tool = this.#catalog.tools.find((t) => t.function.name === call.name);
    if (!tool)
      return {
        ok: false,
        name: call.name,
        error: `unknown tool ${call.name}; use one of: ${[...this.#catalog.operations.keys()].join(', ')}`,
      };
    const checked = checkArguments(tool.function.parameters, call.arguments);
    if (!checked.ok) return { ok: false, name: call.name, error: checked.error };
    const timeout = AbortSignal.timeout(this.#options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    try {
      const res = await this.#options.fetch(this.request(call.name, checked.value, combined));
      const { text, truncated } = await boundedText(res, this.#options.maxResultBytes);
      if (!res.ok)
        return { ok: false, name: call.name, status: res.status, error: errorLine(res.status, text) };
      return { ok: true, name: call.name, status: res.status, content: text, truncated };
    } catch (e) {
      if (timeout.aborted)
        return {
          ok: false,
          name: call.name,
          error: `the tool did not answer within ${this.#options.timeoutMs} ms`,
        };
      if (signal?.aborted) return { ok: false, name: call.name, error: 'the call was cancelled' };
      return {
        ok: false,
        name: call.name,
        error: `the tool could not be reached: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
  }
}
