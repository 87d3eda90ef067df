/**
 * An in-memory `V1Backend` for Node tests of the `/v1` app, the tool catalog and the gateway: keys, messages
 * and jobs held in maps, search by word overlap (deterministic, so tests can assert which message wins).
 */
import { type ApiKeyRecord, generateApiKey, hashApiKey } from '../../functions/api/api-key-format.ts';
import {
  type BackendSearch,
  type TenantRef,
  type V1Backend,
  V1BackendError,
  type WebSearchRequest,
} from '../../functions/api/v1-backend.ts';
import type {
  BackfillJob,
  Message,
  TenantStatus,
  WebPageWithEdges,
  WebSearchResults,
} from '../../functions/api/v1-schemas.ts';
import { v1SearchWeb, v1WebPage } from '../../functions/api/v1-web.ts';
import type { WebSearchPorts } from '../../functions/web-search/web-search.ts';

function tenantKey(t: TenantRef): string {
  return `${t.provider}/${t.tenant}`;
}

function words(text: string): Set<string> {
  return new Set(text.toLowerCase().match(/[a-z0-9]+/g) ?? []);
}

export class MemoryV1Backend implements V1Backend {
  readonly #keys = new Map<string, ApiKeyRecord>();
  readonly #messages = new Map<string, Message[]>();
  readonly #jobs = new Map<string, BackfillJob[]>();
  readonly #web = new Map<string, WebSearchPorts>();
  /** Calls made, by operation, so tests can assert what a tool actually did. */
  readonly calls: Array<{ op: string; tenant: string; arg?: unknown }> = [];
  /** When set, every read fails as an unavailable store would. */
  unavailable: string | undefined;

  async addKey(
    scope: Omit<ApiKeyRecord, 'key_id' | 'created_at' | 'label'> & { label?: string },
  ): Promise<string> {
    const { keyId, key } = generateApiKey();
    this.#keys.set(await hashApiKey(key), {
      key_id: keyId,
      label: scope.label ?? 'test',
      created_at: '2026-12-01T00:00:00.000Z',
      provider: scope.provider,
      tenant: scope.tenant,
      ...(scope.channels && { channels: scope.channels }),
    });
    return key;
  }

  addMessages(tenant: TenantRef, messages: Message[]): void {
    this.#messages.set(tenantKey(tenant), [...(this.#messages.get(tenantKey(tenant)) ?? []), ...messages]);
  }

  /** The tenant's crawled pages (memory-web-pages.ts); without them, web operations answer unavailable. */
  setWeb(tenant: TenantRef, ports: WebSearchPorts): void {
    this.#web.set(tenantKey(tenant), ports);
  }

  #webOf(tenant: TenantRef): WebSearchPorts {
    const ports = this.#web.get(tenantKey(tenant));
    if (!ports) throw new V1BackendError('unavailable', 'this tenant has no crawled pages', tenant);
    return ports;
  }

  async searchWeb(tenant: TenantRef, query: WebSearchRequest): Promise<WebSearchResults> {
    this.#check('searchWeb', tenant, query.q);
    return v1SearchWeb(this.#webOf(tenant), query);
  }

  async webPage(tenant: TenantRef, pageId: string): Promise<WebPageWithEdges | undefined> {
    this.#check('webPage', tenant, pageId);
    return v1WebPage(this.#webOf(tenant).documents, pageId);
  }

  addJob(tenant: TenantRef, job: BackfillJob): void {
    this.#jobs.set(tenantKey(tenant), [...(this.#jobs.get(tenantKey(tenant)) ?? []), job]);
  }

  #check(op: string, tenant: TenantRef, arg?: unknown): void {
    this.calls.push({ op, tenant: tenantKey(tenant), ...(arg !== undefined && { arg }) });
    if (this.unavailable) throw new Error(this.unavailable);
  }

  async lookupKey(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.#keys.get(hash);
  }

  async searchMessages(tenant: TenantRef, query: string, k: number): Promise<BackendSearch> {
    this.#check('searchMessages', tenant, query);
    const q = words(query);
    const scored = (this.#messages.get(tenantKey(tenant)) ?? [])
      .map((m) => {
        const w = words(m.content ?? '');
        const overlap = [...q].filter((x) => w.has(x)).length;
        return { m, distance: 1 - overlap / Math.max(1, q.size) };
      })
      .filter((s) => s.distance < 1)
      .sort((a, b) => a.distance - b.distance || a.m.message_id.localeCompare(b.m.message_id))
      .slice(0, k);
    return {
      kind: 'results',
      model: 'memory-words',
      offline: true,
      hits: scored.map(({ m, distance }) => ({
        urn: m.urn,
        message_id: m.message_id,
        channel_id: m.channel_id,
        text: m.content ?? '',
        ...(m.author_name !== undefined && { author_name: m.author_name }),
        ...(m.author_id !== undefined && { author_id: m.author_id }),
        ...(m.created_at !== undefined && { created_at: m.created_at }),
        distance,
      })),
    };
  }

  async getMessage(tenant: TenantRef, messageId: string): Promise<Message | undefined> {
    this.#check('getMessage', tenant, messageId);
    return this.#messages.get(tenantKey(tenant))?.find((m) => m.message_id === messageId);
  }

  async recentMessages(tenant: TenantRef, sample: number) {
    this.#check('recentMessages', tenant);
    return (this.#messages.get(tenantKey(tenant)) ?? []).slice(-sample).map((m) => ({
      channel_id: m.channel_id,
      ...(m.created_at !== undefined && { created_at: m.created_at }),
    }));
  }

  async backfillJob(tenant: TenantRef, jobId: string): Promise<BackfillJob | undefined> {
    this.#check('backfillJob', tenant, jobId);
    return this.#jobs.get(tenantKey(tenant))?.find((j) => j.job_id === jobId);
  }

  async tenantStatus(tenant: TenantRef): Promise<Omit<TenantStatus, 'channel_scope'>> {
    this.#check('tenantStatus', tenant);
    return {
      ...tenant,
      display_name: `${tenant.tenant} (memory)`,
      documents_backend: 'memory',
      vectors_backend: 'memory',
      messages: this.#messages.get(tenantKey(tenant))?.length ?? 0,
      attachments: 0,
      backfill_jobs: this.#jobs.get(tenantKey(tenant))?.length ?? 0,
    };
  }
}

/** A message in the echo/demo shape the tests seed. */
export function seededMessage(id: string, channel: string, content: string, author = 'Ada'): Message {
  return {
    urn: `urn:echo:message:demo:${id}`,
    message_id: id,
    channel_id: channel,
    author_id: author.toLowerCase(),
    author_name: author,
    author_bot: false,
    content,
    created_at: `2026-11-20T10:00:${id.padStart(2, '0').slice(-2)}.000Z`,
  };
}
