/** Reads a byte stream up to a cap, stopping (and cancelling the stream) at the first chunk past it. */

/** The stream's bytes, or `too_large` as soon as more than `maxBytes` arrived; nothing past the cap is kept. */
export async function readCappedStream(
  stream: ReadableStream<Uint8Array> | null,
  maxBytes: number,
  cancelReason = 'body too large',
): Promise<Uint8Array<ArrayBuffer> | 'too_large'> {
  if (stream === null) return new Uint8Array();
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel(cancelReason).catch(() => {});
      return 'too_large';
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
