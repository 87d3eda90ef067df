/**
 * The model double: a small OpenAI-compatible HTTP server on 127.0.0.1 for tests, the dev stack and
 * benchmarks. Deterministic answers for chat completions, embeddings, transcriptions (multipart) and
 * speech; every request recorded; faults scriptable. Request bodies are validated with zod against
 * the documented shapes, so it also checks that our client speaks the protocol.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { z } from 'zod';
import {
  type ChatReplyScript,
  chatCompletion,
  defaultChatReply,
  embeddings,
  speech,
  transcription,
  transcriptText,
} from './double-answers.ts';
import { DoubleFault, FaultScript } from './double-faults.ts';
import { chatChunks } from './double-streaming.ts';
import {
  ChatCompletionRequest,
  EmbeddingRequest,
  SpeechRequest,
  TranscriptionFields,
} from './request-shapes.ts';

/** One request as the double saw it. */
export interface RecordedRequest {
  seq: number;
  method: string;
  path: string;
  /** Header names lowercased; the API key is reduced to its last four characters. */
  headers: Record<string, string>;
  /** Parsed JSON, or multipart fields (files summarized as name/type/size). */
  body: unknown;
  status: number;
  /** For a streamed answer: chunks written, and whether the stream ran to `[DONE]` or the client left. */
  stream?: {
    chunks: number;
    outcome: 'pending' | 'complete' | 'client-closed';
    /** `performance.now()` when the client went away (cancellation timing). */
    closed_at?: number;
  };
}

export interface ModelDoubleOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** When set, only this bearer key is accepted; otherwise any non-empty key. */
  apiKey?: string;
  /** The assistant text for a chat completion; a deterministic echo by default. */
  chatReply?: ChatReplyScript;
  /** Vector size for embedding models the double does not know (and no `dimensions` asked). */
  fallbackDimension?: number;
  /** Pause between streamed chunks (a model's pace); 0 (default) writes them back to back. */
  chunkDelayMs?: number;
}

export interface ModelDouble {
  /** `http://127.0.0.1:<port>/v1`: give it to the client as its base URL. */
  baseUrl: string;
  requests: RecordedRequest[];
  faults: FaultScript;
  setChatReply(reply: ChatReplyScript): void;
  stop(): Promise<void>;
}

class DoubleHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type = 'invalid_request_error',
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function invalid(issues: z.core.$ZodIssue[]): DoubleHttpError {
  const detail = issues.map((i) => `'$.${i.path.join('.')}' ${i.message}`).join('; ');
  return new DoubleHttpError(
    400,
    `Invalid request body: ${detail}`,
    'invalid_request_error',
    'invalid_request',
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new DoubleHttpError(400, 'We could not parse the JSON body of your request.');
  }
}

function redactedHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v !== 'string') continue;
    out[k] = k === 'authorization' ? `Bearer …${v.slice(-4)}` : v;
  }
  return out;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

interface Handled {
  status: number;
  body: unknown;
  recordBody: unknown;
  /** A streamed chat answer: its chunks, written as server-sent events. */
  chunks?: unknown[];
}

/** The state one running double keeps. */
class DoubleServer {
  readonly requests: RecordedRequest[] = [];
  readonly faults = new FaultScript();
  readonly timers = new Set<NodeJS.Timeout>();
  chatReply: ChatReplyScript;
  #seq = 0;

  constructor(readonly options: ModelDoubleOptions) {
    this.chatReply = options.chatReply ?? defaultChatReply;
  }

  #authorize(req: IncomingMessage): void {
    const auth = req.headers.authorization ?? '';
    const key = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : '';
    if (key === '' || (this.options.apiKey !== undefined && key !== this.options.apiKey)) {
      throw new DoubleHttpError(
        401,
        'Incorrect API key provided.',
        'invalid_request_error',
        'invalid_api_key',
      );
    }
  }

  async #transcribe(req: IncomingMessage, raw: Buffer): Promise<Handled> {
    const form = await new Request('http://double/v1/audio/transcriptions', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? '' },
      body: raw,
    })
      .formData()
      .catch(() => {
        throw new DoubleHttpError(400, 'Expected a multipart/form-data body.');
      });
    const fields: Record<string, string> = {};
    let file: File | undefined;
    for (const [name, value] of form.entries()) {
      if (typeof value === 'string') fields[name] = value;
      else if (name === 'file') file = value;
      else throw new DoubleHttpError(400, `Unexpected file field '${name}'.`);
    }
    const recordBody = {
      ...fields,
      ...(file && { file: { name: file.name, type: file.type, size: file.size } }),
    };
    if (!file) throw new DoubleHttpError(400, "'$.file' is required");
    const parsed = TranscriptionFields.safeParse(fields);
    if (!parsed.success) throw invalid(parsed.error.issues);
    const bytes = new Uint8Array(await file.arrayBuffer());
    const heard = transcriptText({ name: file.name, bytes });
    const format = parsed.data.response_format ?? 'json';
    if (format !== 'json' && format !== 'text' && format !== 'verbose_json') {
      throw new DoubleHttpError(400, `The model double does not produce response_format ${format}.`);
    }
    const body = transcription(heard.text, heard.duration, format, parsed.data.language);
    return { status: 200, body, recordBody };
  }

  async #route(req: IncomingMessage, path: string, raw: Buffer): Promise<Handled> {
    if (path === '/v1/audio/transcriptions') return this.#transcribe(req, raw);
    const json = parseJson(raw);
    if (path === '/v1/chat/completions') {
      const parsed = ChatCompletionRequest.safeParse(json);
      if (!parsed.success) throw invalid(parsed.error.issues);
      if (parsed.data.stream)
        return {
          status: 200,
          body: undefined,
          recordBody: json,
          chunks: chatChunks(parsed.data, this.#seq, this.chatReply),
        };
      if (parsed.data.stream_options)
        throw new DoubleHttpError(400, 'stream_options is only allowed with stream: true.');
      return { status: 200, body: chatCompletion(parsed.data, this.#seq, this.chatReply), recordBody: json };
    }
    if (path === '/v1/embeddings') {
      const parsed = EmbeddingRequest.safeParse(json);
      if (!parsed.success) throw invalid(parsed.error.issues);
      return {
        status: 200,
        body: embeddings(parsed.data, this.options.fallbackDimension ?? 768),
        recordBody: json,
      };
    }
    if (path === '/v1/audio/speech') {
      const parsed = SpeechRequest.safeParse(json);
      if (!parsed.success) throw invalid(parsed.error.issues);
      const audio = speech(parsed.data);
      if (!audio) throw new DoubleHttpError(400, 'The model double produces only pcm and wav audio.');
      return { status: 200, body: audio, recordBody: json };
    }
    throw new DoubleHttpError(404, `Unknown path ${path}.`, 'invalid_request_error', 'unknown_url');
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  /** Writes chunks as server-sent events; stops at once when the client goes away (cancellation tests). */
  async #stream(res: ServerResponse, record: RecordedRequest, chunks: unknown[]): Promise<void> {
    const stream: NonNullable<RecordedRequest['stream']> = { chunks: 0, outcome: 'pending' };
    record.stream = stream;
    res.on('close', () => {
      if (stream.outcome === 'pending') {
        stream.outcome = 'client-closed';
        stream.closed_at = performance.now();
      }
    });
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    for (const chunk of chunks) {
      if (stream.outcome !== 'pending') return;
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      stream.chunks += 1;
      if (this.options.chunkDelayMs) await this.#delay(this.options.chunkDelayMs);
    }
    if (stream.outcome !== 'pending') return;
    stream.outcome = 'complete';
    res.end('data: [DONE]\n\n');
  }

  /** The inspection API: the request log and the fault script, for tests and operators. */
  #inspect(method: string, path: string, raw: Buffer): unknown {
    const route = `${method} ${path}`;
    switch (route) {
      case 'GET /_double/requests':
        return this.requests;
      case 'DELETE /_double/requests':
        this.requests.length = 0;
        return { cleared: true };
      case 'GET /_double/faults':
        return this.faults.pending();
      case 'POST /_double/faults': {
        const parsed = DoubleFault.safeParse(parseJson(raw));
        if (!parsed.success) throw invalid(parsed.error.issues);
        this.faults.add(parsed.data);
        return this.faults.pending();
      }
      case 'DELETE /_double/faults':
        this.faults.clear();
        return { cleared: true };
      default:
        throw new DoubleHttpError(404, `Unknown path ${path}.`);
    }
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://double').pathname;
    const raw = await readBody(req);
    if (path.startsWith('/_double/')) {
      try {
        sendJson(res, 200, this.#inspect(req.method ?? 'GET', path, raw));
      } catch (e) {
        const error = e instanceof DoubleHttpError ? e : new DoubleHttpError(500, String(e), 'server_error');
        sendJson(res, error.status, {
          error: { message: error.message, type: error.type, param: null, code: error.code },
        });
      }
      return;
    }
    const seq = ++this.#seq;
    const record: RecordedRequest = {
      seq,
      method: req.method ?? 'GET',
      path,
      headers: redactedHeaders(req),
      body: undefined,
      status: 0,
    };
    this.requests.push(record);
    const fault = this.faults.take(path);
    if (fault?.kind === 'slow') await this.#delay(fault.delay_ms);
    try {
      if (req.method !== 'POST') throw new DoubleHttpError(405, `Use POST for ${path}.`);
      this.#authorize(req);
      if (fault?.kind === 'status') {
        record.body = path === '/v1/audio/transcriptions' ? '(multipart)' : parseJson(raw);
        const headers: Record<string, string> = {
          ...(fault.retry_after_s !== undefined && { 'retry-after': String(fault.retry_after_s) }),
          ...(fault.retry_after_ms !== undefined && { 'retry-after-ms': String(fault.retry_after_ms) }),
        };
        const type =
          fault.status === 429
            ? 'rate_limit_exceeded'
            : fault.status >= 500
              ? 'server_error'
              : 'invalid_request_error';
        throw new DoubleHttpError(
          fault.status,
          `Scripted fault: status ${fault.status}.`,
          type,
          null,
          headers,
        );
      }
      const handled = await this.#route(req, path, raw);
      record.body = handled.recordBody;
      record.status = handled.status;
      const b = handled.body;
      if (handled.chunks) {
        await this.#stream(res, record, handled.chunks);
      } else if (typeof b === 'string') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(b);
      } else if (b && typeof b === 'object' && 'contentType' in b && 'body' in b) {
        const audio = b as { body: Uint8Array; contentType: string };
        res.writeHead(200, { 'content-type': audio.contentType, 'content-length': audio.body.byteLength });
        res.end(Buffer.from(audio.body));
      } else {
        sendJson(res, 200, b);
      }
    } catch (e) {
      const error =
        e instanceof DoubleHttpError
          ? e
          : new DoubleHttpError(500, `The model double failed: ${String(e)}`, 'server_error');
      record.status = error.status;
      record.body ??= raw.byteLength > 0 && path !== '/v1/audio/transcriptions' ? safeJson(raw) : undefined;
      sendJson(
        res,
        error.status,
        { error: { message: error.message, type: error.type, param: null, code: error.code } },
        error.headers,
      );
    }
  }
}

function safeJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return raw.toString('utf8');
  }
}

/** Starts a double on 127.0.0.1; `stop()` closes it, cancelling slow answers and open sockets. */
export async function startModelDouble(options: ModelDoubleOptions = {}): Promise<ModelDouble> {
  const state = new DoubleServer(options);
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    state.handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(e), type: 'server_error' } });
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const a = server.address();
      if (a === null || typeof a === 'string') reject(new Error('model double: no port'));
      else resolve(a.port);
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests: state.requests,
    faults: state.faults,
    setChatReply(reply) {
      state.chatReply = reply;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const t of state.timers) clearTimeout(t);
        state.timers.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
