/**
 * The voice documents the status page reads (docs/voice.md, "Voice documents"): in the tenant's `voice`
 * collection, one document per segment (`{session_id}:{segment_id}`; slots `segment`, `transcript`,
 * `spectrogram`, `reply`, each written by the agent that owns it) and one per session
 * (`session:{session_id}`; slots `join`, `leave`, `state`). Segment slots have one constant version, so
 * the first write wins and a redelivery changes nothing; session slots are versioned by event time.
 */
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import type { DocumentSlot, StoredDocument } from '@promethean/shared/effects/document-store';

/** The foreign id of a segment's document (its idempotency key). */
export function segmentDocumentId(sessionId: string, segmentId: string): string {
  return `${sessionId}:${segmentId}`;
}

/** The foreign id of a session's document. */
export function sessionDocumentId(sessionId: string): string {
  return `session:${sessionId}`;
}

/** The one version of every per-segment slot: the first stored value wins every race. */
const SEGMENT_SLOT_VERSION = '1';

export interface SegmentSlots {
  segment?: { ts_start: number; ts_end: number; blob_key: string };
  transcript?: { text: string; confidence: number; offline: boolean; latency_ms: number; language?: string };
  spectrogram?: { image_key: string; matrix_key: string; frames: number; n_mels: number };
  reply?: { reply_id: string; text: string; offline: boolean };
  /** When the reply's first chunk reached the voice host, and the hops from end of speech to then. */
  playback?: {
    reply_id: string;
    first_chunk_at: number;
    speech_to_first_chunk_ms: number;
    hops: Array<{ stage: string; queued_ms: number; work_ms: number }>;
  };
}

type Scope = Pick<RuntimeContext, 'provider' | 'tenant'>;

/** A segment document carrying the given slots (merged slot by slot into what is stored). */
export function segmentDocument(
  scope: Scope,
  ids: { session_id: string; segment_id: string; user_id: string },
  slots: SegmentSlots,
): StoredDocument {
  const id = segmentDocumentId(ids.session_id, ids.segment_id);
  const versioned: Record<string, DocumentSlot> = {};
  for (const [name, value] of Object.entries(slots)) {
    if (value !== undefined) versioned[name] = { version: SEGMENT_SLOT_VERSION, value };
  }
  return {
    provider: scope.provider,
    tenant: scope.tenant,
    foreign_id: id,
    urn: `urn:${scope.provider}:voice-segment:${scope.tenant}:${encodeURIComponent(ids.session_id)}:${encodeURIComponent(ids.segment_id)}`,
    index: { session_id: ids.session_id, user_id: ids.user_id, kind: 'segment' },
    slots: versioned,
  };
}

export type SessionSlotName = 'join' | 'leave' | 'state';

/** A session document with one slot, versioned by `at` (ISO time) so the newest event wins. */
export function sessionDocument(
  scope: Scope,
  sessionId: string,
  slot: SessionSlotName,
  at: string,
  value: Record<string, unknown>,
): StoredDocument {
  return {
    provider: scope.provider,
    tenant: scope.tenant,
    foreign_id: sessionDocumentId(sessionId),
    urn: `urn:${scope.provider}:voice-session:${scope.tenant}:${encodeURIComponent(sessionId)}`,
    index: { kind: 'session', session_id: sessionId },
    slots: { [slot]: { version: at, value: { ...value, at } } },
  };
}
