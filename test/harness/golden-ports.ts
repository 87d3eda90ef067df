/**
 * The model, vector, blob and egress ports golden runs get: the offline model (deterministic), an
 * in-memory vector and blob store per tenant, and the direct egress (with the real SSRF guard) over
 * fixture HTTP responses, plus snapshots of what they hold for the golden output.
 */
import { OfflineModelPort } from '@promethean/functions/models/offline-model-port';
import type { EffectPorts, EmbeddingSpec, VectorCollection } from '@promethean/shared/effects/effect-ports';
import { MemoryBlobStore } from '@promethean/shared/effects/memory-blob-store';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { MemoryControlStore } from '@promethean/shared/migrations/control-store';
import { type MigrationPort, storeMovePort } from '@promethean/shared/migrations/store-move/store-move-port';
import { DirectEgress } from '@promethean/shared/net/direct-egress';
import { ssrfPolicy } from '@promethean/shared/net/ssrf-policy';
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import type { CrawlPort, PassCounter } from '@promethean/shared/web/crawl-port';

/** A canned answer for one URL; `body_base64` for bytes, `body_text` for text. */
export interface FixtureResponse {
  status?: number;
  headers?: Record<string, string>;
  body_text?: string;
  body_base64?: string;
}

/** A vector to seed: embedded with the run's model port before the envelope is handled. */
export interface SeedVector {
  id: string;
  document: string;
  metadata: Record<string, string | number | boolean>;
}

/** A blob to seed; `body_base64` for bytes, `body_text` for text. */
export interface SeedBlob {
  content_type: string;
  body_text?: string;
  body_base64?: string;
}

export interface GoldenVectorSnapshot {
  pinned: EmbeddingSpec | undefined;
  /** The ids of each upsert call, in order: shows batching (one write per batch). */
  writes: string[][];
  records: Array<{ id: string; document: string; metadata: Record<string, unknown>; dimension: number }>;
}

export interface GoldenBlobSnapshot {
  key: string;
  content_type: string;
  size: number;
  sha256: string;
}

const VECTOR_COLLECTIONS: VectorCollection[] = ['messages', 'attachments', 'web_summaries'];

/** A fetch over fixture responses; a URL without one fails like an unreachable host. */
export function fixtureFetch(responses: Record<string, FixtureResponse>) {
  return async (input: string | URL | Request): Promise<Response> => {
    const url = input instanceof Request ? input.url : String(input);
    const r = responses[url];
    if (!r) throw new TypeError(`fetch failed: no fixture response for ${url}`);
    const body = r.body_base64 !== undefined ? Buffer.from(r.body_base64, 'base64') : (r.body_text ?? null);
    return new Response(body, { status: r.status ?? 200, headers: r.headers ?? {} });
  };
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return Buffer.from(digest).toString('hex');
}

/** One `crawl.passed` call: a pass counted on its crawl job. */
export interface GoldenCrawlPass {
  job_id: string;
  counter: PassCounter;
  page_id: string;
}

/**
 * The crawl port golden runs get: it records the passes counted on a job (what the web-summarizer and
 * web-tagger report); the frontier and the hosts are the workerd and fixture-web tests' to check.
 */
function goldenCrawl(passes: GoldenCrawlPass[]): CrawlPort {
  const absent = (name: string) => async (): Promise<never> => {
    throw new Error(`crawl.${name} is not part of golden runs`);
  };
  return {
    claim: absent('claim'),
    complete: absent('complete'),
    touch: absent('touch'),
    robots: absent('robots'),
    permit: absent('permit'),
    release: absent('release'),
    refusal: absent('refusal'),
    fetch: absent('fetch'),
    passed: async (job_id, counters, page_id) => {
      for (const counter of counters) passes.push({ job_id, counter, page_id });
    },
  };
}

/** Per-tenant stores behind one set of golden ports. */
export class GoldenPorts {
  readonly models = new OfflineModelPort();
  /** Passes counted on crawl jobs, in call order. */
  readonly crawlPasses: GoldenCrawlPass[] = [];
  readonly #crawl = goldenCrawl(this.crawlPasses);
  readonly #vectors = new Map<string, MemoryVectorStore>();
  readonly #blobs = new Map<string, MemoryBlobStore>();
  readonly #migrations = new Map<string, { port: MigrationPort; target: MemoryDocumentStore }>();
  readonly #egress: DirectEgress;

  constructor(http: Record<string, FixtureResponse> = {}) {
    this.#egress = new DirectEgress({ fetch: fixtureFetch(http), policy: ssrfPolicy() });
  }

  vectors(provider: string, tenant: string): MemoryVectorStore {
    const key = `${provider}/${tenant}`;
    let store = this.#vectors.get(key);
    if (!store) {
      store = new MemoryVectorStore(provider, tenant);
      this.#vectors.set(key, store);
    }
    return store;
  }

  blobs(provider: string, tenant: string): MemoryBlobStore {
    const key = `${provider}/${tenant}`;
    let store = this.#blobs.get(key);
    if (!store) {
      store = new MemoryBlobStore();
      this.#blobs.set(key, store);
    }
    return store;
  }

  /**
   * A tenant's store move from the run's document store (the embedded store in providers.yml terms) into
   * an in-memory second store, with its control values in memory; the run's clock stamps its state.
   */
  migrations(
    view: Pick<TenantView, 'provider' | 'tenant'>,
    source: MemoryDocumentStore,
    now: () => Date,
  ): MigrationPort {
    const key = `${view.provider}/${view.tenant}`;
    let entry = this.#migrations.get(key);
    if (!entry) {
      const target = new MemoryDocumentStore();
      const port = storeMovePort({
        control: new MemoryControlStore(),
        stores: () => ({ sqlite: source, mongodb: target }),
        configured: 'sqlite',
        now,
      });
      entry = { port, target };
      this.#migrations.set(key, entry);
    }
    return entry.port;
  }

  /** The ports one tenant's invocation gets. */
  forTenant(view: Pick<TenantView, 'provider' | 'tenant'>): EffectPorts {
    return {
      models: this.models,
      vectors: this.vectors(view.provider, view.tenant),
      blobs: this.blobs(view.provider, view.tenant),
      egress: this.#egress,
      crawl: this.#crawl,
    };
  }

  /** Embeds and writes seed vectors with the run's own embedding model (so queries match them). */
  async seed(provider: string, tenant: string, seeds: Partial<Record<VectorCollection, SeedVector[]>>) {
    for (const collection of VECTOR_COLLECTIONS) {
      const list = seeds[collection] ?? [];
      if (list.length === 0) continue;
      const answer = await this.models.embed(list.map((s) => s.document));
      const records = list.map((s, i) => ({ ...s, embedding: answer.vectors[i] ?? [] }));
      const store = this.vectors(provider, tenant);
      await store.upsert(collection, records, { model: answer.model, dimension: answer.dimension });
      store.writes.length = 0;
    }
  }

  async seedBlobs(provider: string, tenant: string, seeds: Record<string, SeedBlob>): Promise<void> {
    const store = this.blobs(provider, tenant);
    for (const [key, blob] of Object.entries(seeds)) {
      const body =
        blob.body_base64 !== undefined ? Buffer.from(blob.body_base64, 'base64') : (blob.body_text ?? '');
      await store.put(key, body, blob.content_type);
    }
    store.puts.length = 0;
  }

  async vectorSnapshot(provider: string, tenant: string) {
    const store = this.vectors(provider, tenant);
    const out: Partial<Record<VectorCollection, GoldenVectorSnapshot>> = {};
    for (const collection of VECTOR_COLLECTIONS) {
      const pinned = await store.pinned(collection);
      const writes = store.writes.filter((w) => w.collection === collection).map((w) => w.ids);
      if (!pinned && writes.length === 0) continue;
      const all = pinned ? await store.query(collection, new Array(pinned.dimension).fill(0), 10_000) : [];
      const records = all
        .map((r) => ({ id: r.id, document: r.document, metadata: r.metadata, dimension: r.embedding.length }))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      out[collection] = { pinned, writes, records };
    }
    return out;
  }

  async blobSnapshot(provider: string, tenant: string): Promise<GoldenBlobSnapshot[]> {
    const entries = this.blobs(provider, tenant).entries();
    return Promise.all(
      entries.map(async ([key, blob]) => ({
        key,
        content_type: blob.content_type,
        size: blob.bytes.byteLength,
        sha256: await sha256Hex(blob.bytes),
      })),
    );
  }
}
