/**
 * Reads a tenant's voice sessions for the status page from the `voice` document collection (written by the
 * voice workers, docs/voice.md): session documents (`session:{session_id}`, index `{kind: 'session'}`) and
 * per-segment documents (`{session_id}:{segment_id}`, index `{session_id, user_id, kind: 'segment'}`) with
 * the slots `segment`, `transcript`, `spectrogram` and `reply`. Slots that are missing or not in the
 * expected shape are left out rather than failing the page.
 */
import type {
  DocumentCollection,
  DocumentStore,
  StoredDocument,
} from '@promethean/shared/effects/document-store';
import { z } from 'zod';

/** The collection the voice workers write; not every deployment has written to it yet. */
export const VOICE_COLLECTION: DocumentCollection = 'voice';

/** Sessions shown per tenant, and the latest segments shown per session. */
export const VOICE_SESSIONS_SHOWN = 5;
export const VOICE_SEGMENTS_SHOWN = 12;
/** Segments read to find the latest ones (the store orders by id, not by time). */
const SEGMENTS_READ = 500;

const Time = z.union([z.number(), z.string()]);
const SegmentSlot = z.object({ ts_start: Time, ts_end: Time, blob_key: z.string().optional() });
const TranscriptSlot = z.object({
  text: z.string(),
  confidence: z.number().optional(),
  offline: z.boolean().optional(),
  latency_ms: z.number().optional(),
});
const SpectrogramSlot = z.object({ image_key: z.string(), matrix_key: z.string().optional() });
const ReplySlot = z.object({
  reply_id: z.string().optional(),
  text: z.string(),
  offline: z.boolean().optional(),
});
const PlaybackSlot = z.object({ speech_to_first_chunk_ms: z.number() });
/** Session slots (voice-commands writes `join` and `leave`, voice-mixer `state`); each carries `at`. */
const JoinSlot = z.object({
  channel_id: z.string().optional(),
  channel_name: z.string().optional(),
  at: Time.optional(),
});
const LeaveSlot = z.object({ at: Time.optional() });
const StateSlot = z.object({ status: z.string(), reason: z.string().optional(), at: Time.optional() });

export interface VoiceSegmentView {
  /** The document id, `{session_id}:{segment_id}`. */
  id: string;
  session_id: string;
  user_id: string | undefined;
  ts_start: number | undefined;
  ts_end: number | undefined;
  transcript: z.infer<typeof TranscriptSlot> | undefined;
  has_spectrogram: boolean;
  reply: z.infer<typeof ReplySlot> | undefined;
  /** From the end of speech to Duck's first sound, when the reply was played. */
  speech_to_first_chunk_ms: number | undefined;
}

export interface VoiceSessionView {
  session_id: string;
  /** Plain fields from the session document (channel, state, times), as text. */
  details: Array<[string, string]>;
  segments: VoiceSegmentView[];
  /** Segments stored for the session (of those read). */
  segment_count: number;
}

function slot<T>(doc: StoredDocument, name: string, schema: z.ZodType<T>): T | undefined {
  const parsed = schema.safeParse(doc.slots[name]?.value);
  return parsed.success ? parsed.data : undefined;
}

function timeText(t: number | string): string {
  const ms = millis(t);
  return ms === undefined ? String(t) : `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

function millis(t: number | string | undefined): number | undefined {
  if (t === undefined) return undefined;
  const n = typeof t === 'number' ? t : Date.parse(t);
  return Number.isFinite(n) ? n : undefined;
}

/** One segment document as the page shows it. */
export function segmentView(doc: StoredDocument): VoiceSegmentView {
  const segment = slot(doc, 'segment', SegmentSlot);
  return {
    id: doc.foreign_id,
    session_id: doc.index.session_id ?? doc.foreign_id.split(':')[0] ?? '',
    user_id: doc.index.user_id,
    ts_start: millis(segment?.ts_start),
    ts_end: millis(segment?.ts_end),
    transcript: slot(doc, 'transcript', TranscriptSlot),
    has_spectrogram: slot(doc, 'spectrogram', SpectrogramSlot) !== undefined,
    reply: slot(doc, 'reply', ReplySlot),
    speech_to_first_chunk_ms: slot(doc, 'playback', PlaybackSlot)?.speech_to_first_chunk_ms,
  };
}

/** The image key of a segment's spectrogram, if it has one. */
export function spectrogramKey(doc: StoredDocument): string | undefined {
  return slot(doc, 'spectrogram', SpectrogramSlot)?.image_key;
}

/** What a session document says, in words: channel, connection state, when it joined and left. */
function sessionDetails(doc: StoredDocument | undefined): Array<[string, string]> {
  if (!doc) return [];
  const join = slot(doc, 'join', JoinSlot);
  const state = slot(doc, 'state', StateSlot);
  const left = slot(doc, 'leave', LeaveSlot);
  const details: Array<[string, string | undefined]> = [
    ['channel', join?.channel_name ?? join?.channel_id],
    ['state', state && `${state.status}${state.reason ? ` (${state.reason})` : ''}`],
    ['joined', join?.at === undefined ? undefined : timeText(join.at)],
    ['left', left?.at === undefined ? undefined : timeText(left.at)],
  ];
  return details.filter((d): d is [string, string] => d[1] !== undefined);
}

/** When the session last did something: its newest segment, join, state change or leave. */
function lastActivity(doc: StoredDocument | undefined, segments: readonly VoiceSegmentView[]): number {
  const times = [
    ...segments.map((s) => s.ts_start ?? 0),
    ...(doc ? ['join', 'state', 'leave'].map((name) => millis(slot(doc, name, LeaveSlot)?.at) ?? 0) : []),
  ];
  return Math.max(0, ...times);
}

const startOf = (s: VoiceSegmentView) => s.ts_start ?? 0;

/**
 * The latest sessions with their latest segments, newest session first, segments in time order. A session
 * appears when it has a session document or any stored segment.
 */
export async function readVoiceSessions(documents: DocumentStore): Promise<VoiceSessionView[]> {
  const [sessionDocs, segmentDocs] = await Promise.all([
    documents.find(VOICE_COLLECTION, { kind: 'session' }, { limit: 50 }),
    documents.find(VOICE_COLLECTION, { kind: 'segment' }, { limit: SEGMENTS_READ }),
  ]);
  const bySession = new Map<string, VoiceSegmentView[]>();
  for (const s of segmentDocs.map(segmentView))
    bySession.set(s.session_id, [...(bySession.get(s.session_id) ?? []), s]);
  const sessionDoc = new Map(sessionDocs.map((d) => [d.foreign_id.replace(/^session:/, ''), d]));
  const ids = new Set([...sessionDoc.keys(), ...bySession.keys()]);
  const latest = (id: string) => lastActivity(sessionDoc.get(id), bySession.get(id) ?? []);
  return [...ids]
    .sort((a, b) => latest(b) - latest(a) || b.localeCompare(a))
    .slice(0, VOICE_SESSIONS_SHOWN)
    .map((id) => {
      const segments = [...(bySession.get(id) ?? [])].sort((a, b) => startOf(a) - startOf(b));
      return {
        session_id: id,
        details: sessionDetails(sessionDoc.get(id)),
        segments: segments.slice(-VOICE_SEGMENTS_SHOWN),
        segment_count: segments.length,
      };
    });
}
