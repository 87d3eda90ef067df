/** The raw capabilities a runtime can hand an agent, before policy wraps them. */

import type { PayloadOf } from '@promethean/schemas/message-definition';
import type {
  VoiceControlJoin,
  VoiceControlLeave,
  VoicePlayPcm,
} from '@promethean/schemas/voice/voice-messages';
import type { ReembedPort } from '../migrations/reembed/reembed-port.ts';
import type { MigrationPort } from '../migrations/store-move/store-move-port.ts';
import type { AttachmentEgress } from '../net/attachment-egress.ts';
import type { TenantStatusSummary } from '../ops/status-snapshot.ts';
import type { CrawlPort } from '../web/crawl-port.ts';
import type { DocumentStore } from './document-store.ts';

/** A tenant's vector collections; adapters name them `<provider>__<tenant>__<collection>`. */
export type VectorCollection = 'messages' | 'attachments' | 'web_summaries';

export interface VectorRecord {
  /** Deterministic (the source's URN), so a redelivered write overwrites instead of duplicating. */
  id: string;
  embedding: readonly number[];
  document: string;
  metadata: Record<string, string | number | boolean>;
}

export interface VectorMatch extends VectorRecord {
  distance: number;
}

/** The embedding model a collection is pinned to; every write names it and adapters refuse a mismatch. */
export interface EmbeddingSpec {
  model: string;
  dimension: number;
}

/**
 * Vector store port (Chroma in production, in-memory in tests). A collection is pinned to the first
 * `EmbeddingSpec` written to it; a write with another model or dimension fails with
 * `VectorSchemaMismatchError` (a hard, non-retriable error).
 */
export interface VectorStore {
  upsert(collection: VectorCollection, records: readonly VectorRecord[], spec: EmbeddingSpec): Promise<void>;
  /**
   * Nearest `k` records, optionally filtered by exact metadata values. With `madeWith` (the model and
   * dimension the query embedding came from), the collection the call reads must be pinned to it, or the
   * call fails with `VectorSchemaMismatchError`: checked in the same call that reads, so a re-embed's
   * routing flip between a reader's own pin check and its query cannot pair a vector with another
   * model's collection. An absent collection answers no matches.
   */
  query(
    collection: VectorCollection,
    embedding: readonly number[],
    k: number,
    where?: Record<string, string | number | boolean>,
    madeWith?: EmbeddingSpec,
  ): Promise<VectorMatch[]>;
  count(collection: VectorCollection): Promise<number>;
  delete(collection: VectorCollection, ids: readonly string[]): Promise<void>;
  /** The spec a collection is pinned to, or undefined before its first write. */
  pinned(collection: VectorCollection): Promise<EmbeddingSpec | undefined>;
}

/** Blob storage port (R2 in Workers). Keys derive from idempotency keys, so a rewrite overwrites. */
export interface BlobStore {
  put(key: string, body: ArrayBuffer | Uint8Array | string, contentType: string): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
}

/** Which model answered, and whether it was the offline stand-in (never a silent fake). */
/** Tokens a model call used, as the server counted them (`completion_tokens` only for generation). */
export interface ModelUsage {
  prompt_tokens: number;
  completion_tokens?: number;
  total_tokens: number;
}

export interface ModelAnswer {
  model: string;
  offline: boolean;
  /** What the server reported; absent when it reported nothing (offline mode, speech synthesis). */
  usage?: ModelUsage;
  /** Why generation stopped (`stop`, `length`, `content_filter`, …), for completions. */
  finish_reason?: string;
  /** The model declined to answer (its refusal is the text). */
  refused?: boolean;
}

export interface CompletionRequest {
  system: string;
  messages: Array<{ role: 'user' | 'assistant'; content: string }>;
  max_tokens?: number;
  /** Sampling temperature; passes that must be repeatable (the web crawler's) ask for 0. */
  temperature?: number;
}

/**
 * A chat that may call the platform's `/v1` tools (`llm.tools`): the LLM gateway runs the tool loop as the
 * tenant, narrowed to `channel_id`, so a tool reads no more than the agent's own retrieval may.
 */
export interface ToolChatRequest extends CompletionRequest {
  channel_id: string;
  /** Tool rounds before the model must answer (the gateway's default when absent). */
  max_rounds?: number;
}

export interface ToolChatPort {
  chat(
    request: ToolChatRequest,
  ): Promise<ModelAnswer & { text: string; tool_calls: Array<{ name: string; ok: boolean }> }>;
}

export interface TranscriptionRequest {
  /** A complete audio file (WAV, 16-bit PCM). */
  audio: Uint8Array;
  filename: string;
  language?: string;
}

export interface SpeechRequest {
  text: string;
  voice?: string;
}

export interface PcmAudio {
  /** Signed 16-bit little-endian samples. */
  pcm: Uint8Array;
  sample_rate: number;
  channels: 1 | 2;
}

/**
 * Model calls (an OpenAI-compatible server in production; a deterministic offline mode, which says
 * so in every answer, when no key is configured).
 */
export interface ModelPort {
  complete(request: CompletionRequest): Promise<ModelAnswer & { text: string }>;
  embed(texts: readonly string[]): Promise<ModelAnswer & { vectors: number[][]; dimension: number }>;
  transcribe(
    request: TranscriptionRequest,
  ): Promise<ModelAnswer & { text: string; language?: string; confidence: number }>;
  synthesize(request: SpeechRequest): Promise<ModelAnswer & PcmAudio>;
  /** A text description of an image, or undefined when the configured model cannot see images. */
  describeImage(image: {
    bytes: Uint8Array;
    content_type: string;
  }): Promise<(ModelAnswer & { text: string }) | undefined>;
}

/** A provider REST call and its outcome, as carried by rest.request / rest.response. */
export interface ProviderRestCall {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  route: string;
  params: Record<string, string>;
  query?: Record<string, string> | undefined;
  body?: unknown;
  idempotency_key?: string | undefined;
  timeout_ms?: number | undefined;
  interaction_urn?: string | undefined;
}
export interface ProviderRestResult {
  ok: boolean;
  status: number;
  bucket: string | null;
  retry_after_ms: number | null;
  data: unknown;
  error?: { code: string; message: string } | undefined;
}

/** A join or leave for the tenant's voice host, with the `voice.control.*` payload. */
export type VoiceControlCommand =
  | { action: 'join'; payload: PayloadOf<typeof VoiceControlJoin> }
  | { action: 'leave'; payload: PayloadOf<typeof VoiceControlLeave> };

/** A provider adapter's outbound operations; only provider-access agents get it (provider.rest.call). */
export interface ProviderPort {
  /** One REST call through the tenant's rate limits. */
  restCall(call: ProviderRestCall): Promise<ProviderRestResult>;
  /** Starts, stops or changes the presence of a realtime session (a gateway shard). */
  gatewayControl(command: {
    action: 'start' | 'stop' | 'presence';
    shard: number;
    presence?: { status: string; activity?: string | undefined } | undefined;
  }): Promise<{ status: string }>;
  /**
   * Asks the tenant's voice host to join or leave a voice channel (`provider.voice.connect`); optional
   * because only adapters with voice have it.
   */
  voiceControl?(command: VoiceControlCommand): Promise<{ status: string }>;
  /** Posts a message (split as the provider requires); idempotent by the command's idempotency_key. */
  postMessage(command: {
    channel: { foreign_id: string };
    content: string;
    reply_to?: string | undefined;
    mention_users: string[];
    idempotency_key: string;
    interaction_urn?: string | undefined;
    interaction_response?: 'edit_original' | 'followup' | undefined;
    ephemeral?: boolean | undefined;
    silent?: boolean | undefined;
  }): Promise<{ foreign_ids: string[] }>;
}

/** The outcome of asking for a lease: granted, or how long to wait before asking again. */
export interface LeaseGrant {
  granted: boolean;
  /** How many holders the lease has now (including this one when granted). */
  holders: number;
  /** When not granted: the earliest moment a place may free up (an expiry), as a wait in ms. */
  retry_after_ms: number;
}

/**
 * Counting leases per tenant (a bounded semaphore with expiry): at most `limit` holders of `name` at
 * once; a holder that stops renewing loses its place after `ttlMs`, so a crashed job never blocks others
 * for long. Acquiring again with the same holder renews.
 */
export interface LeasePort {
  acquire(name: string, holder: string, limit: number, ttlMs: number): Promise<LeaseGrant>;
  release(name: string, holder: string): Promise<void>;
}

/** The voice-mixer's input: one event for a session's ordered playback stream. */
export type PlaybackEvent =
  | {
      /** An utterance was transcribed: a reply may follow (`expects_reply`), ordered by `speech_end`. */
      kind: 'utterance';
      session_id: string;
      segment_id: string;
      speech_end: number;
      expects_reply: boolean;
    }
  | { kind: 'chunk'; item: PayloadOf<typeof VoicePlayPcm> }
  | { kind: 'interrupt'; session_id: string; reply_id: string }
  | { kind: 'end'; session_id: string };

/** What the stream did with an event. */
export interface PlaybackReport {
  accepted: boolean;
  /** Why an event changed nothing (`duplicate`, `finished-reply`, `ended`). */
  reason?: string | undefined;
  /** Chunks handed to the voice host because of this event. */
  delivered: number;
  /** Chunks waiting for their turn. */
  waiting: number;
  /** Replies whose first chunk went to the voice host because of this event, and when (with that chunk). */
  started?: Array<{ reply_id: string; at: number; first: PayloadOf<typeof VoicePlayPcm> }> | undefined;
  /** Chunks that could not be handed to the host yet (kept in order and retried). */
  undelivered?: number | undefined;
}

/**
 * One ordered playback stream per voice session (`voice.playback`): replies in the order of their
 * utterances, chunks in `seq` order, never two replies overlapping; delivered to the voice host.
 */
export interface PlaybackPort {
  submit(event: PlaybackEvent): Promise<PlaybackReport>;
}

/** Read-only operational status of one tenant (gateway, REST budget, queue and dead-letter depths). */
export interface StatusPort {
  tenantStatus(scope: { provider: string; tenant: string }): Promise<TenantStatusSummary>;
}

export type HttpFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Everything optional: an effect whose port is not configured fails with `EffectUnavailableError`. */
export interface EffectPorts {
  documents?: DocumentStore;
  vectors?: VectorStore;
  blobs?: BlobStore;
  models?: ModelPort;
  /** The LLM gateway's tool loop over the `/v1` tools (`llm.tools` capability). */
  tools?: ToolChatPort;
  fetch?: HttpFetch;
  provider?: ProviderPort;
  leases?: LeasePort;
  /** Attachment bytes through the SSRF guard (direct or via the container); `http.fetch` capability. */
  egress?: AttachmentEgress;
  /** Read-only operational status (`ops.read` capability). */
  status?: StatusPort;
  /** The voice sessions' ordered playback streams (`voice.playback` capability). */
  playback?: PlaybackPort;
  /** The web crawl's frontier, host politeness and fetcher (`web.crawl` capability; docs/agents/web-crawler.md). */
  crawl?: CrawlPort;
  /** The tenant's online migrations, one idempotent step at a time (`storage.migrations` capability). */
  migrations?: MigrationPort;
  /** The tenant's re-embed, one idempotent step at a time (`storage.migrations` capability). */
  reembed?: ReembedPort;
}
