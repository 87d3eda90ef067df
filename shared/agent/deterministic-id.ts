/** Deterministic output ids (envelope ids, idempotency keys) derived from what a message is about. */
import { sha256Hex } from '../platform/sha256-hex.ts';

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
