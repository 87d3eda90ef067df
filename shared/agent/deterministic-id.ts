/** Deterministic output ids (envelope ids, idempotency keys) derived from what a message is about. */

/** SHA-256 of a text, as lowercase hex. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * `parts` joined by `:` when that fits in `maxLength`, else the first part plus a hash of the rest:
 * readable in the common case, bounded always, and the same for the same input every time.
 */
export async function deterministicId(parts: readonly string[], maxLength = 200): Promise<string> {
  const joined = parts.join(':');
  if (joined.length <= maxLength) return joined;
  const [head = 'id', ...rest] = parts;
  return `${head.slice(0, maxLength - 65)}:${await sha256Hex(rest.join(':'))}`;
}
