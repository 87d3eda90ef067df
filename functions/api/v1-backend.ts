/**
 * What the `/v1` API needs from the platform, as one port: key lookup and tenant-scoped reads. The Worker
 * implements it over its bindings (worker-v1-backend.ts); Node tests use an in-memory one. Channel scoping is
 * applied above this port (v1-app.ts), so every implementation gets it the same way.
 */
import type { ApiKeyRecord } from './api-key-format.ts';
import type {
  BackfillJob,
  Message,
  SearchHit,
  TenantStatus,
  WebPageWithEdges,
  WebSearchResults,
} from './v1-schemas.ts';

/** A provider+tenant, as the key grants it. */
export interface TenantRef {
  provider: string;
  tenant: string;
}

export type BackendSearch =
  | { kind: 'results'; model: string; offline: boolean; hits: SearchHit[] }
  | { kind: 'unavailable'; message: string };

export interface V1Backend {
  /** The live key with this SHA-256, or undefined. */
  lookupKey(hash: string): Promise<ApiKeyRecord | undefined>;
  /** The nearest `k` messages to `query` in the tenant's vector index. */
  searchMessages(tenant: TenantRef, query: string, k: number): Promise<BackendSearch>;
  /** One message that is not deleted, or undefined. */
  getMessage(tenant: TenantRef, messageId: string): Promise<Message | undefined>;
  /** The newest `sample` messages' channel ids and post times (what listChannels groups). */
  recentMessages(
    tenant: TenantRef,
    sample: number,
  ): Promise<Array<{ channel_id: string; created_at?: string }>>;
  backfillJob(tenant: TenantRef, jobId: string): Promise<BackfillJob | undefined>;
  tenantStatus(tenant: TenantRef): Promise<Omit<TenantStatus, 'channel_scope'>>;
  /** Semantic search over the tenant's crawled web pages (functions/web-search/web-search.ts). */
  searchWeb(tenant: TenantRef, query: WebSearchRequest): Promise<WebSearchResults>;
  /** One crawled page with its edges, or undefined. */
  webPage(tenant: TenantRef, pageId: string): Promise<WebPageWithEdges | undefined>;
}

/** A web search as the API received it (validated by the route; the crawler's schema parses the tags). */
export interface WebSearchRequest {
  q: string;
  tags?: string | undefined;
  domain?: string | undefined;
  k: number;
}

/** A failure the backend can name; the app turns it into the `/v1` error shape. */
export class V1BackendError extends Error {
  override readonly name = 'V1BackendError';
  constructor(
    readonly code: 'not_found' | 'unavailable' | 'invalid_request',
    message: string,
    readonly tenant?: TenantRef,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
