/**
 * One vector `upsert` round trip for what several agent invocations of one queue batch write at about the
 * same time (docs/operations.md, Cost). Each message-embedder invocation writes one message's vector; alone,
 * that is a Chroma read (stale metadata) and a write per message, and the vector server's per-request work,
 * not the records, is what limits how many messages a second the pipeline stores.
 *
 * Calls wait `windowMs` (a few milliseconds) for company, per collection and embedding spec, and one
 * shared call at a time is under way per collection: while it is, the next group keeps taking callers. So
 * the groups grow with the load and the server's latency (measured: 8 lanes of a batch, ~60 ms per Chroma
 * call, ~5 records a call with a plain window), and the calls stay in call order. One shared call never
 * carries the same id twice (Chroma refuses that): a caller bringing an id already waiting closes that group
 * and starts the next. If a shared call fails, each caller's own call is made alone, so one caller's bad
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
  /** Its window is over (or it is full): sent as soon as the call before it has answered. */
  ready: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** One collection and spec: groups in call order, one shared call at a time. */
interface Lane {
  queue: Group[];
  /** The newest group, still taking callers. */
  open: Group | undefined;
  inFlight: boolean;
}

export class CoalescingVectorStore implements VectorStore {
  readonly #target: VectorStore;
  readonly #o: VectorCoalescingOptions;
  readonly #lanes = new Map<string, Lane>();

  constructor(target: VectorStore, options: VectorCoalescingOptions = DEFAULT_VECTOR_COALESCING) {
    this.#target = target;
    this.#o = options;
  }

  upsert(collection: VectorCollection, records: readonly VectorRecord[], spec: EmbeddingSpec): Promise<void> {
    if (records.length === 0 || records.length >= this.#o.maxRecords)
      return this.#target.upsert(collection, records, spec);
    const key = `${collection}\u0000${spec.model}\u0000${spec.dimension}`;
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { queue: [], open: undefined, inFlight: false };
      this.#lanes.set(key, lane);
    }
    const l = lane;
    return new Promise<void>((resolve, reject) => {
      const open = l.open;
      if (
        open &&
        (open.ids.size + records.length > this.#o.maxRecords || records.some((r) => open.ids.has(r.id)))
      ) {
        this.#close(l, open);
      }
      let group = l.open;
      if (!group) {
        const fresh: Group = {
          collection,
          spec,
          waiters: [],
          ids: new Set(),
          ready: false,
          timer: undefined,
        };
        // Its window over, a group is sent when it can be, and keeps taking callers until then.
        fresh.timer = setTimeout(() => {
          fresh.timer = undefined;
          fresh.ready = true;
          this.#pump(l);
        }, this.#o.windowMs);
        l.queue.push(fresh);
        l.open = fresh;
        group = fresh;
      }
      group.waiters.push({ records, resolve, reject });
      for (const r of records) group.ids.add(r.id);
      if (group.ids.size >= this.#o.maxRecords) this.#close(l, group);
    });
  }

  query: VectorStore['query'] = (collection, embedding, k, where, madeWith) =>
    this.#target.query(collection, embedding, k, where, madeWith);

  count: VectorStore['count'] = (collection) => this.#target.count(collection);

  delete: VectorStore['delete'] = (collection, ids) => this.#target.delete(collection, ids);

  pinned: VectorStore['pinned'] = (collection) => this.#target.pinned(collection);

  /** The group takes no more callers (full, or an id it holds came again); sent when the call before it answered. */
  #close(lane: Lane, group: Group): void {
    if (lane.open === group) lane.open = undefined;
    if (group.timer !== undefined) clearTimeout(group.timer);
    group.timer = undefined;
    group.ready = true;
    this.#pump(lane);
  }

  #pump(lane: Lane): void {
    const next = lane.queue[0];
    if (lane.inFlight || !next?.ready) return;
    lane.queue.shift();
    if (lane.open === next) lane.open = undefined;
    lane.inFlight = true;
    // #flush settles every waiter itself; nothing is left to reject here.
    void this.#flush(next).finally(() => {
      lane.inFlight = false;
      this.#pump(lane);
    });
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
