/**
 * The `/v1` backend over the functions Worker's bindings: keys from the ApiKeys Durable Object, messages and
 * jobs from the tenant's document store, search through the same steps as the status page and `/search`.
 */
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { EffectPorts } from '@promethean/shared/effects/effect-ports';
import { within } from '@promethean/shared/ops/bounded-wait';
import { jobDocumentId } from '../agents/backfill/backfill-job.ts';
import { jobSummary } from '../agents/backfill/job-summary.ts';
import { messageView } from '../agents/message-indexer/message-document.ts';
import { searchMessages } from '../status-page/semantic-search.ts';
import { tenantWithPorts } from '../status-page/status-page-data.ts';
import type { ApiKeyRecord } from './api-key-format.ts';
import { API_KEYS_OBJECT } from './api-keys.ts';
import {
  type BackendSearch,
  type TenantRef,
  type V1Backend,
  V1BackendError,
  type WebSearchRequest,
} from './v1-backend.ts';
import type { BackfillJob, Message, TenantStatus, WebPageWithEdges, WebSearchResults } from './v1-schemas.ts';
import { v1SearchWeb, v1WebPage } from './v1-web.ts';

/** Each store read must answer within this long, so a stuck store costs a 503, not a hung request. */
export const V1_STORE_TIMEOUT_MS = 5_000;

export function apiKeysStub(env: Pick<FunctionsEnv, 'API_KEYS'>) {
  return env.API_KEYS.get(env.API_KEYS.idFromName(API_KEYS_OBJECT));
}

export class WorkerV1Backend implements V1Backend {
  constructor(readonly env: FunctionsEnv) {}

  #tenant(ref: TenantRef): { ports: EffectPorts; config: ReturnType<typeof tenantWithPorts> } {
    const found = tenantWithPorts(this.env, ref.provider, ref.tenant);
    // A key whose tenant was removed from providers.yml is live but points at nothing.
    if (!found)
      throw new V1BackendError('unavailable', `tenant ${ref.provider}/${ref.tenant} is not configured`, ref);
    return { ports: found.ports, config: found };
  }

  #documents(ref: TenantRef): DocumentStore {
    const documents = this.#tenant(ref).ports.documents;
    if (!documents)
      throw new V1BackendError('unavailable', 'this tenant has no document store configured', ref);
    return documents;
  }

  async #bounded<T>(ref: TenantRef, what: string, work: Promise<T>): Promise<T> {
    return within(
      work,
      V1_STORE_TIMEOUT_MS,
      () => new Error(`${what} did not answer within ${V1_STORE_TIMEOUT_MS} ms`),
    ).catch((cause: unknown) => {
      if (cause instanceof V1BackendError) throw cause;
      throw new V1BackendError(
        'unavailable',
        `${what} is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`,
        ref,
        { cause },
      );
    });
  }

  #web(ref: TenantRef) {
    const { documents, vectors, models } = this.#tenant(ref).ports;
    if (!documents || !vectors || !models)
      throw new V1BackendError(
        'unavailable',
        'web search needs a document store, a vector store and a model for this tenant',
        ref,
      );
    return { documents, vectors, models };
  }

  async searchWeb(ref: TenantRef, query: WebSearchRequest): Promise<WebSearchResults> {
    return this.#bounded(ref, 'web search', v1SearchWeb(this.#web(ref), query));
  }

  async webPage(ref: TenantRef, pageId: string): Promise<WebPageWithEdges | undefined> {
    return this.#bounded(ref, 'the page store', v1WebPage(this.#web(ref).documents, pageId));
  }

  async lookupKey(hash: string): Promise<ApiKeyRecord | undefined> {
    return apiKeysStub(this.env).lookup(hash);
  }

  async searchMessages(ref: TenantRef, query: string, k: number): Promise<BackendSearch> {
    const outcome = await searchMessages(this.#tenant(ref).ports, query, k);
    switch (outcome.kind) {
      case 'results':
        return {
          kind: 'results',
          model: outcome.model,
          offline: outcome.offline,
          hits: outcome.hits.map((h) => ({
            urn: h.urn,
            message_id: h.urn.split(':').slice(4).join(':'),
            channel_id: h.channel_id,
            text: h.text,
            ...(h.author_id !== undefined && { author_id: h.author_id }),
            ...(h.author_name !== undefined && { author_name: h.author_name }),
            ...(h.created_at !== undefined && { created_at: h.created_at }),
            distance: h.distance,
          })),
        };
      case 'nothing-indexed':
        return { kind: 'results', model: outcome.model, offline: outcome.offline, hits: [] };
      case 'no-vectors':
        return {
          kind: 'unavailable',
          message: 'this tenant has no vector store, so messages cannot be searched',
        };
      case 'model-mismatch':
        return {
          kind: 'unavailable',
          message: `the index was built with ${outcome.pinned} but searches use ${outcome.used}`,
        };
      case 'unavailable':
        return { kind: 'unavailable', message: `the ${outcome.part} is unavailable: ${outcome.message}` };
    }
  }

  async getMessage(ref: TenantRef, messageId: string): Promise<Message | undefined> {
    const doc = await this.#bounded(
      ref,
      'the document store',
      this.#documents(ref).get('messages', messageId),
    );
    if (!doc) return undefined;
    const view = messageView(doc);
    if (view.deleted) return undefined;
    return {
      urn: view.urn,
      message_id: view.foreign_id,
      channel_id: view.channel_id,
      ...(view.author && { author_id: view.author.foreign_id, author_bot: view.author.bot }),
      ...(view.author?.name !== undefined && { author_name: view.author.name }),
      ...(view.content !== undefined && { content: view.content }),
      ...(view.created_at !== undefined && { created_at: view.created_at }),
      ...(view.edited_at !== undefined && { edited_at: view.edited_at }),
    };
  }

  async recentMessages(ref: TenantRef, sample: number) {
    const docs = await this.#bounded(
      ref,
      'the document store',
      this.#documents(ref).find('messages', {}, { limit: sample }),
    );
    return docs.map((d) => {
      const view = messageView(d);
      return {
        channel_id: view.channel_id,
        ...(view.created_at !== undefined && { created_at: view.created_at }),
      };
    });
  }

  async backfillJob(ref: TenantRef, jobId: string): Promise<BackfillJob | undefined> {
    const doc = await this.#bounded(
      ref,
      'the document store',
      this.#documents(ref).get('jobs', jobDocumentId(jobId)),
    );
    if (!doc) return undefined;
    const s = jobSummary(doc);
    return {
      job_id: s.job_id,
      channel_id: s.channel_id,
      state: s.state,
      pages: s.counts.pages,
      fetched: s.counts.fetched,
      upserted: s.counts.upserted,
      started_at: s.started_at,
      ...(s.finished_at !== undefined && { finished_at: s.finished_at }),
      ...(s.message !== undefined && { message: s.message }),
    };
  }

  async tenantStatus(ref: TenantRef): Promise<Omit<TenantStatus, 'channel_scope'>> {
    const { config } = this.#tenant(ref);
    const documents = this.#documents(ref);
    const [messages, attachments, jobs] = await this.#bounded(
      ref,
      'the document store',
      Promise.all([documents.count('messages'), documents.count('attachments'), documents.count('jobs')]),
    );
    const view = config!.view.config;
    return {
      ...ref,
      ...(view.display_name !== undefined && { display_name: view.display_name }),
      documents_backend: view.storage.documents,
      vectors_backend: view.storage.vectors,
      messages,
      attachments,
      backfill_jobs: jobs,
    };
  }
}
