/** The raw capabilities a runtime can hand an agent, before policy wraps them. */
import type { DocumentStore } from './document-store.ts';

/** Vector store port (Chroma adapter arrives with the storage work). */
export interface VectorRecord {
  id: string;
  embedding: readonly number[];
  document: string;
  metadata: Record<string, string | number | boolean>;
}
export interface VectorStore {
  upsert(collection: 'messages' | 'attachments', records: readonly VectorRecord[]): Promise<void>;
  query(
    collection: 'messages' | 'attachments',
    embedding: readonly number[],
    k: number,
  ): Promise<Array<VectorRecord & { distance: number }>>;
}

/** Blob storage port (R2 in Workers). */
export interface BlobStore {
  put(key: string, body: ArrayBuffer | Uint8Array | string, contentType: string): Promise<void>;
  get(key: string): Promise<Uint8Array | undefined>;
}

/** Model calls (OpenAI-compatible in production, deterministic offline mode without a key). */
export interface ModelPort {
  complete(request: {
    system: string;
    messages: Array<{ role: 'user' | 'assistant'; content: string }>;
  }): Promise<{
    text: string;
    model: string;
    offline: boolean;
  }>;
  embed(
    texts: readonly string[],
  ): Promise<{ vectors: number[][]; model: string; dimension: number; offline: boolean }>;
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
  /** Posts a message (split as the provider requires); idempotent by the command's idempotency_key. */
  postMessage(command: {
    channel: { foreign_id: string };
    content: string;
    reply_to?: string | undefined;
    mention_users: string[];
    idempotency_key: string;
    interaction_urn?: string | undefined;
    ephemeral?: boolean | undefined;
  }): Promise<{ foreign_ids: string[] }>;
}

export type HttpFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Everything optional: an effect whose port is not configured fails with `EffectUnavailableError`. */
export interface EffectPorts {
  documents?: DocumentStore;
  vectors?: VectorStore;
  blobs?: BlobStore;
  models?: ModelPort;
  fetch?: HttpFetch;
  provider?: ProviderPort;
}
