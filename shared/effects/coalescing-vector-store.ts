/**
 * One vector `upsert` round trip for what several agent invocations of one queue batch write at about the
 * same time (docs/operations.md, Cost). Each message-embedder invocation writes one message's vector; alone,
 * that is a Chroma read (stale metadata) and a write per message, and the vector server's per-request work,
 * not the records, is what limits how many messages a second the pipeline stores.
 *
 * Calls wait `windowMs` (a few milliseconds) for company, per collection and embedding spec. One shared
 * call never carries the same id twice (Chroma refuses that): a caller bringing an id already waiting sends
 * the waiting group first. If a shared call fails, each caller's own call is made alone, so one caller's bad
 * record never fails its neighbours. Reads, deletes and counts go straight to the target.
 */
import type { EmbeddingSpec, VectorCollection, VectorRecord, VectorStore } from './effect-ports.ts';

export interface VectorCoalescingOptions {
  /** How long a call waits for others to join it. */
  windowMs: number;
  /** The most records one shared write carries; a fuller group is sent at once. */
  maxRecords: number;
}

export const DEFAULT_VECTOR_COALESCING: VectorCoalescingOptions = Object.freeze({
  windowMs: 5,
  maxRecords: 500,
});

interface Waiter {
  records: readonly VectorRecord[];
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface Group {
  collection: VectorCollection;
  spec: EmbeddingSpec;
  waiters: Waiter[];
  ids: Set<string>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class CoalescingVectorStore implements VectorStore {
  readonly #target: VectorStore;
  readonly #o: VectorCoalescingOptions;
  readonly #groups = new Map<string, Group>();

  constructor(target: VectorStore, options: VectorCoalescingOptions = DEFAULT_VECTOR_COALESCING) {
    this.#target = target;
    this.#o = options;
  }

  upsert(collection: VectorCollection, records: readonly VectorRecord[], spec: EmbeddingSpec): Promise<void> {
    if (records.length === 0 || records.length >= this.#o.maxRecords)
      return this.#target.upsert(collection, records, spec);
    const key = `${collection}\u0000${spec.model}\u0000${spec.dimension}`;
    return new Promise<void>((resolve, reject) => {
      let group = this.#groups.get(key);
      if (
        group &&
        (group.ids.size + records.length > this.#o.maxRecords || records.some((r) => group!.ids.has(r.id)))
      ) {
        this.#send(key, group);
        group = undefined;
      }
      if (!group) {
        const fresh: Group = { collection, spec, waiters: [], ids: new Set(), timer: undefined };
        fresh.timer = setTimeout(() => this.#send(key, fresh), this.#o.windowMs);
        this.#groups.set(key, fresh);
        group = fresh;
      }
      group.waiters.push({ records, resolve, reject });
      for (const r of records) group.ids.add(r.id);
      if (group.ids.size >= this.#o.maxRecords) this.#send(key, group);
    });
  }

  query: VectorStore['query'] = (collection, embedding, k, where) =>
    this.#target.query(collection, embedding, k, where);

  count: VectorStore['count'] = (collection) => this.#target.count(collection);

  delete: VectorStore['delete'] = (collection, ids) => this.#target.delete(collection, ids);

  pinned: VectorStore['pinned'] = (collection) => this.#target.pinned(collection);

  #send(key: string, group: Group): void {
    if (this.#groups.get(key) === group) this.#groups.delete(key);
    if (group.timer !== undefined) clearTimeout(group.timer);
    group.timer = undefined;
    // #flush settles every waiter itself; nothing is left to reject here.
    void this.#flush(group);
  }

  async #flush(group: Group): Promise<void> {
    const { collection, spec, waiters } = group;
    const alone = (w: Waiter) =>
      this.#target.upsert(collection, w.records, spec).then(w.resolve, (e: unknown) => w.reject(e));
    if (waiters.length === 1) return alone(waiters[0]!);
    try {
      await this.#target.upsert(
        collection,
        waiters.flatMap((w) => w.records),
        spec,
      );
    } catch {
      await Promise.all(waiters.map(alone));
      return;
    }
    for (const w of waiters) w.resolve();
  }
}
