/** Reads a response body with a hard size cap enforced while streaming, whatever Content-Length claims. */
import { SsrfRefusedError } from './egress-errors.ts';

/**
 * Reads at most `maxBytes`. A declared Content-Length above the cap is refused before reading; a
 * body that grows past the cap (the header lied, or was absent) is cancelled at the first chunk
 * that crosses it, and `abort` is called so the connection is torn down, not drained.
 */
export async function readBoundedBody(
  response: Response,
  maxBytes: number,
  url: string,
  abort: () => void = () => {},
): Promise<Uint8Array> {
  const declared = response.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) {
    await response.body?.cancel().catch(() => {});
    abort();
    throw new SsrfRefusedError('too_large', url, `Content-Length ${declared} exceeds ${maxBytes} bytes`);
  }
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      abort();
      const claim = declared === null ? 'no Content-Length' : `Content-Length said ${declared}`;
      throw new SsrfRefusedError(
        'too_large',
        url,
        `body exceeded ${maxBytes} bytes while streaming (${claim})`,
      );
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}
