/**
 * Turns a REST list answer into `rest.response` payloads carrying normalized messages instead of raw
 * provider data, split into parts that each stay under the queue's message size limit.
 */

import type { PayloadOf } from '@promethean/schemas/message-definition';
import type { RestRequest, RestResponse } from '@promethean/schemas/rest/rest-messages';
import type { ProviderRestResult } from '@promethean/shared/effects/effect-ports';
import { normalizeListedMessage } from '@promethean/shared/providers/discord/normalize';

type Response = PayloadOf<typeof RestResponse>;
type Listed = ReturnType<typeof normalizeListedMessage>;

/** Cloudflare Queues take messages up to 128 KB; leave room for the envelope around the payload. */
export const PART_BUDGET_BYTES = 96 * 1024;

const encoder = new TextEncoder();
const sizeOf = (value: unknown) => encoder.encode(JSON.stringify(value)).byteLength;

/** Groups messages in order into parts whose JSON stays within `budget` bytes (one message per part at least). */
export function splitBySize(messages: readonly Listed[], budget: number): Listed[][] {
  const parts: Listed[][] = [];
  let current: Listed[] = [];
  let size = 0;
  for (const m of messages) {
    const bytes = sizeOf(m) + 1;
    if (current.length > 0 && size + bytes > budget) {
      parts.push(current);
      current = [];
      size = 0;
    }
    current.push(m);
    size += bytes;
  }
  if (current.length > 0 || parts.length === 0) parts.push(current);
  return parts;
}

/** The rest.response payloads for a normalized list answer (one, or several parts). */
export function normalizedResponses(
  request: PayloadOf<typeof RestRequest>,
  result: ProviderRestResult,
  ctx: { tenant: string; botUserId: string; receivedAt: string },
  budget = PART_BUDGET_BYTES,
): Response[] {
  if (!result.ok || request.normalize === undefined || !Array.isArray(result.data)) return [result];
  const messages = result.data.map((raw) =>
    normalizeListedMessage(raw, { ...ctx, spaceId: request.normalize?.space_id }),
  );
  const ids = messages.map((m) => m.foreign_id);
  const sorted = [...ids].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
  const page = {
    count: messages.length,
    ...(sorted[0] !== undefined && { oldest_id: sorted[0] }),
    ...(sorted.at(-1) !== undefined && { newest_id: sorted.at(-1)! }),
  };
  const parts = splitBySize(messages, budget);
  return parts.map((part, index) => ({
    ok: true,
    status: result.status,
    bucket: result.bucket,
    retry_after_ms: result.retry_after_ms,
    data: null,
    normalized: { kind: 'messages' as const, messages: part },
    part: { index, count: parts.length },
    page,
  }));
}
