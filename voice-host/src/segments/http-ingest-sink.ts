/** Sends segments to the functions Worker's ingest route (contract: schemas/voice/voice-segment-ingest.ts). */
import { SEGMENT_INGEST_FIELDS, SegmentIngestResponse } from '@promethean/schemas/voice/voice-segment-ingest';
import { SegmentRejectedError, type SegmentSink, type SegmentWrite } from './segment-sink.ts';

export interface HttpIngestSinkOptions {
  /** The full ingest URL, e.g. `https://functions.example/voice/segments`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <secret>`. */
  readonly secret: string;
  readonly timeoutMs: number;
  readonly fetch?: typeof fetch;
}

/** Whether an HTTP status may succeed on a retry. */
function retriable(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * One multipart POST per segment: `envelope` (JSON) and `pcm` (octet-stream). 2xx is stored and published;
 * 408/425/429/5xx and network errors throw a plain Error (the publisher retries); other 4xx throw
 * `SegmentRejectedError` (the publisher drops the segment and counts it).
 */
export class HttpIngestSink implements SegmentSink {
  readonly #o: HttpIngestSinkOptions;

  constructor(options: HttpIngestSinkOptions) {
    this.#o = options;
  }

  async write(segment: SegmentWrite): Promise<void> {
    const form = new FormData();
    form.set(SEGMENT_INGEST_FIELDS.envelope, JSON.stringify(segment.envelope));
    const bytes = new Uint8Array(segment.pcm);
    form.set(
      SEGMENT_INGEST_FIELDS.pcm,
      new Blob([bytes], { type: 'application/octet-stream' }),
      'segment.pcm',
    );
    const response = await (this.#o.fetch ?? fetch)(this.#o.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.#o.secret}` },
      body: form,
      signal: AbortSignal.timeout(this.#o.timeoutMs),
    });
    const text = await response.text();
    if (response.ok) {
      const parsed = SegmentIngestResponse.safeParse(safeJson(text));
      if (!parsed.success) throw new Error(`ingest answered ${response.status} with an unexpected body`);
      return;
    }
    const message = `ingest answered ${response.status}: ${text.slice(0, 200)}`;
    if (retriable(response.status)) throw new Error(message);
    throw new SegmentRejectedError(message, segment.envelope.id, response.status);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
