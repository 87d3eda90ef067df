/**
 * What the pipeline stack stored for a Discord tenant (duck unless told): message documents (through the
 * admin API) and vectors (straight from Chroma), and how they compare with the history that was sent.
 */
import { ChromaClient, type Collection } from 'chromadb';

/** The tenant's live message documents, or why they could not be counted (a slow store's timeout). */
export async function documentCount(
  admin: (p: string) => Promise<Response>,
  tenant = 'duck',
): Promise<number | string> {
  const r = await admin(`/admin/documents/discord/${tenant}/messages?limit=1`);
  if (!r.ok) return `(count failed: ${r.status})`;
  return ((await r.json()) as { total: number }).total;
}

/** A slow store (FerretDB under load) may time out a read: ask again, a few times, then fail loudly. */
export async function withRetries(request: () => Promise<Response>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const r = await request();
    if (r.ok) return r;
    if (attempt >= 6) throw new Error(`${r.url} failed: ${r.status} ${await r.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 2_000 * attempt));
  }
}

export async function storedDocumentIds(
  admin: (p: string) => Promise<Response>,
  tenant = 'duck',
): Promise<string[]> {
  const ids: string[] = [];
  let before: string | undefined;
  for (;;) {
    const r = await withRetries(() =>
      admin(`/admin/documents/discord/${tenant}/messages?limit=1000${before ? `&before=${before}` : ''}`),
    );
    const page = (await r.json()) as { messages: Array<{ foreign_id: string }>; next_before?: string };
    ids.push(...page.messages.map((m) => m.foreign_id));
    if (!page.next_before) return ids;
    before = page.next_before;
  }
}

export async function storedVectorIds(chromaUrl: string, tenant = 'duck'): Promise<string[]> {
  const url = new URL(chromaUrl);
  const client = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });
  const collection = await client
    .getCollection({ name: `discord__${tenant}__messages`, embeddingFunction: null as never })
    .catch(() => undefined);
  if (!collection) return [];
  const ids: string[] = [];
  for (let offset = 0; ; offset += 5_000) {
    const page = await collection.get({ limit: 5_000, offset, include: [] });
    ids.push(...page.ids);
    if (page.ids.length < 5_000) return ids;
  }
}

export async function vectorCount(chromaUrl: string, tenant = 'duck'): Promise<number> {
  const url = new URL(chromaUrl);
  const client = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });
  const collection = await client
    .getCollection({ name: `discord__${tenant}__messages`, embeddingFunction: null as never })
    .catch(() => undefined);
  return collection ? collection.count() : 0;
}

/** Counts ids seen more than once, ids missing from `stored`, and ids stored that history lacks. */
export function compare(history: Set<string>, stored: string[]) {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const id of stored) {
    if (seen.has(id)) duplicates++;
    seen.add(id);
  }
  const missing = [...history].filter((id) => !seen.has(id)).length;
  const extra = [...seen].filter((id) => !history.has(id)).length;
  return { duplicates, missing, extra };
}

/** The most ids one arrival poll reads in a request; a fuller answer is read on at once. */
const ARRIVALS_PAGE = 1_000;

/**
 * When each vector of a tenant's `messages` collection first appeared, polled straight from Chroma (so
 * watching adds nothing to what the Workers count). Chroma answers `get` in insertion order, so each poll
 * reads only the ids added since the last, one request (ids only, no count: the bench's polls are work for
 * the Chroma the stack shares); `exact()` says whether that held (every id seen once, as many as the
 * collection counts at the end).
 */
export class VectorArrivals {
  /** By message id. */
  readonly seenAt = new Map<string, number>();
  #client: ChromaClient;
  #tenant: string;
  #collection: Collection | undefined;
  #seen = 0;
  #repeats = 0;
  #requests = 0;

  constructor(chromaUrl: string, tenant: string) {
    const url = new URL(chromaUrl);
    this.#client = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });
    this.#tenant = tenant;
  }

  /** Reads what arrived since the last poll; answers how many ids were seen so far. */
  async poll(now: () => number): Promise<number> {
    if (!this.#collection) {
      this.#requests++;
      this.#collection = await this.#client
        .getCollection({ name: `discord__${this.#tenant}__messages`, embeddingFunction: null as never })
        .catch(() => undefined);
    }
    if (!this.#collection) return 0;
    for (;;) {
      this.#requests++;
      const page = await this.#collection.get({ offset: this.#seen, limit: ARRIVALS_PAGE, include: [] });
      const at = now();
      for (const id of page.ids) {
        // Vector ids are message URNs; the message id is their last part.
        const key = id.split(':').at(-1)!;
        if (this.seenAt.has(key)) this.#repeats++;
        else this.seenAt.set(key, at);
      }
      this.#seen += page.ids.length;
      if (page.ids.length < ARRIVALS_PAGE) return this.#seen;
    }
  }

  /** Requests made to Chroma so far. */
  get requests(): number {
    return this.#requests;
  }

  /** Every id seen once, and as many as the collection holds now. */
  async exact(): Promise<boolean> {
    const count = this.#collection ? await this.#collection.count() : 0;
    return this.#repeats === 0 && this.seenAt.size === this.#seen && this.#seen === count;
  }
}
