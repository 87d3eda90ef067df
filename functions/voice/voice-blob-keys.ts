/**
 * Blob keys of what the voice workers store, derived from the segment's idempotency key
 * (`voice/<provider>/<tenant>/<session_id>/<segment_id>…`, ids URI-encoded), so redelivery overwrites.
 * Keys are relative to the tenant's BlobStore (R2 object `<provider>/<tenant>/<key>`).
 */

function base(provider: string, tenant: string, sessionId: string, segmentId: string): string {
  return `voice/${provider}/${tenant}/${encodeURIComponent(sessionId)}/${encodeURIComponent(segmentId)}`;
}

export function spectrogramImageKey(
  provider: string,
  tenant: string,
  sessionId: string,
  segmentId: string,
): string {
  return `${base(provider, tenant, sessionId, segmentId)}.mel.png`;
}

export function spectrogramMatrixKey(
  provider: string,
  tenant: string,
  sessionId: string,
  segmentId: string,
): string {
  return `${base(provider, tenant, sessionId, segmentId)}.mel.f32`;
}

/** One synthesized chunk of a reply to a segment. */
export function replyChunkKey(
  provider: string,
  tenant: string,
  sessionId: string,
  segmentId: string,
  seq: number,
): string {
  return `${base(provider, tenant, sessionId, segmentId)}.reply.${String(seq).padStart(4, '0')}.pcm`;
}
