/** Reads a request body up to a byte cap, refusing more without buffering it (interactions are small). */
import { readCappedStream } from '@promethean/shared/net/capped-stream';

/** The body's bytes, or `too_large` as soon as more than `maxBytes` arrived. */
export function readCappedBody(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array<ArrayBuffer> | 'too_large'> {
  return readCappedStream(body, maxBytes, 'interaction body too large');
}
