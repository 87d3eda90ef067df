/**
 * Fetches a playback chunk's PCM from a URL, but only from configured origins (the blob store or the
 * functions Worker), with a size cap and a timeout — the control API must not become an open proxy.
 */

export class PcmFetchError extends Error {
  override readonly name = 'PcmFetchError';
  constructor(
    message: string,
    readonly status: 400 | 413 | 502,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface PcmUrlFetcherOptions {
  /** Allowed origins, e.g. `https://blobs.example.com`; empty refuses every URL. */
  readonly origins: readonly string[];
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

export class PcmUrlFetcher {
  readonly #o: PcmUrlFetcherOptions;
  readonly #origins: Set<string>;

  constructor(options: PcmUrlFetcherOptions) {
    this.#o = options;
    this.#origins = new Set(options.origins.map((o) => new URL(o).origin));
  }

  async fetch(url: string): Promise<Uint8Array> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (e) {
      throw new PcmFetchError('url is not a valid URL', 400, { cause: e });
    }
    if (!this.#origins.has(parsed.origin)) {
      throw new PcmFetchError(`origin ${parsed.origin} is not in PLAYBACK_FETCH_ORIGINS`, 400);
    }
    let response: Response;
    try {
      response = await (this.#o.fetch ?? fetch)(parsed, {
        // The URL carries its own short-lived signature; no shared secret is sent with blob fetches.
        redirect: 'error',
        signal: AbortSignal.timeout(this.#o.timeoutMs),
      });
    } catch (e) {
      throw new PcmFetchError(`fetching the PCM failed: ${(e as Error).message}`, 502, { cause: e });
    }
    if (!response.ok) throw new PcmFetchError(`fetching the PCM answered ${response.status}`, 502);
    return this.#readCapped(response);
  }

  async #readCapped(response: Response): Promise<Uint8Array> {
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > this.#o.maxBytes)
      throw new PcmFetchError(`PCM is ${declared} bytes; at most ${this.#o.maxBytes}`, 413);
    const chunks: Uint8Array[] = [];
    let total = 0;
    const reader = response.body?.getReader();
    if (!reader) return new Uint8Array(0);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > this.#o.maxBytes) {
        await reader.cancel();
        throw new PcmFetchError(`PCM exceeds ${this.#o.maxBytes} bytes`, 413);
      }
      chunks.push(value);
    }
    const out = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.byteLength;
    }
    return out;
  }
}
