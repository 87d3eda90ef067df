/** Reads a response body with a hard size cap enforced while streaming, whatever Content-Length claims. */
import { readCappedStream } from './capped-stream.ts';
import { isAllowedMediaType, mediaTypeOf } from './content-types.ts';
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
  const body = await readCappedStream(response.body, maxBytes, 'body too large');
  if (body === 'too_large') {
    abort();
    const claim = declared === null ? 'no Content-Length' : `Content-Length said ${declared}`;
    throw new SsrfRefusedError(
      'too_large',
      url,
      `body exceeded ${maxBytes} bytes while streaming (${claim})`,
    );
  }
  return body;
}

/**
 * A response's body and media type when the type is on `allowedTypes` and the body fits `maxBytes`;
 * a refused type is cancelled unread, so no egress path reads what it would throw away.
 */
export async function readAllowedBody(
  response: Response,
  limits: { max_bytes: number; allowed_content_types: readonly string[] },
  url: string,
  abort: () => void,
): Promise<{ bytes: Uint8Array; content_type: string }> {
  const contentType = mediaTypeOf(response.headers.get('content-type'));
  if (!isAllowedMediaType(contentType, limits.allowed_content_types)) {
    await response.body?.cancel().catch(() => {});
    throw new SsrfRefusedError('content_type', url, `${contentType} is not allowed`);
  }
  return { bytes: await readBoundedBody(response, limits.max_bytes, url, abort), content_type: contentType };
}
