/**
 * One `upsertMany` / `getMany` round trip for what several agent invocations of one queue batch ask of a
 * store at about the same time (docs/operations.md, Cost). The functions Worker settles up to eight
 * messages of a batch at once (and a coalesced gateway message carries many envelopes): their indexer
 * writes, embedder writes and embedding-cache reads meet here and travel together.
 *
 * Calls wait `windowMs` (a few milliseconds) for company, per collection and kind. If a shared call fails,
 * each caller's own call is made alone, so one caller's bad document never fails its neighbours; a caller
 * whose own call fails gets its own error, as without coalescing.
 *
 * A shared write answers each caller its own documents (by id) when asked for them. Its `written` and
 * `unchanged` counts are the shared call's, handed out to the callers in call order: the totals are exact
 * (what the ops ledger counts, below this wrapper), the split between callers is not.
 */
import {
  type DocumentCollection,
  type DocumentStore,
  findEach,
  GET_MANY_MAX,
  type StoredDocument,
  type UpsertOptions,
  type UpsertResult,
} from './document-store.ts';

export interface CoalescingOptions {
  /** How long a call waits for others to join it. */
  windowMs: number;
  /** The most documents one shared write carries; a fuller group is sent at once. */
  maxDocuments: number;
}

export const DEFAULT_COALESCING: CoalescingOptions = Object.freeze({ windowMs: 5, maxDocuments: 500 });

interface Waiter<A, R> {
  args: A;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

interface Group<A, R> {
  waiters: Waiter<A, R>[];
  size: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

type UpsertArgs = { docs: readonly StoredDocument[]; options: UpsertOptions | undefined };

export class CoalescingDocumentStore implements DocumentStore {
  readonly #target: DocumentStore;
  readonly #o: CoalescingOptions;
  readonly #writes = new Map<string, Group<UpsertArgs, UpsertResult>>();
  readonly #reads = new Map<string, Group<readonly string[], StoredDocument[]>>();

  constructor(target: DocumentStore, options: CoalescingOptions = DEFAULT_COALESCING) {
    this.#target = target;
    this.#o = options;
  }

  upsertMany(
    collection: DocumentCollection,
    docs: readonly StoredDocument[],
    options?: UpsertOptions,
  ): Promise<UpsertResult> {
    if (docs.length === 0 || docs.length >= this.#o.maxDocuments)
      return this.#target.upsertMany(collection, docs, options);
    const key = `${collection}\u0000${options?.returnDocuments === true}`;
    return this.#join(this.#writes, key, { docs, options }, docs.length, this.#o.maxDocuments, (waiters) =>
      this.#flushWrites(collection, waiters),
    );
  }

  get(collection: DocumentCollection, foreignId: string): Promise<StoredDocument | undefined> {
    return this.#target.get(collection, foreignId);
  }

  getMany(collection: DocumentCollection, foreignIds: readonly string[]): Promise<StoredDocument[]> {
    if (foreignIds.length === 0 || foreignIds.length >= GET_MANY_MAX)
      return this.#target.getMany(collection, foreignIds);
    return this.#join(this.#reads, collection, foreignIds, foreignIds.length, GET_MANY_MAX, (waiters) =>
      this.#flushReads(collection, waiters),
    );
  }

  find: DocumentStore['find'] = (collection, index, options) => this.#target.find(collection, index, options);

  findMany: NonNullable<DocumentStore['findMany']> = (collection, queries) =>
    findEach(this.#target, collection, queries);

  count: DocumentStore['count'] = (collection, options) => this.#target.count(collection, options);

  #join<A, R>(
    groups: Map<string, Group<A, R>>,
    key: string,
    args: A,
    size: number,
    max: number,
    flush: (waiters: Waiter<A, R>[]) => Promise<void>,
  ): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let group = groups.get(key);
      if (group && group.size + size > max) {
        this.#send(groups, key, group, flush);
        group = undefined;
      }
      if (!group) {
        const fresh: Group<A, R> = { waiters: [], size: 0, timer: undefined };
        fresh.timer = setTimeout(() => this.#send(groups, key, fresh, flush), this.#o.windowMs);
        groups.set(key, fresh);
        group = fresh;
      }
      group.waiters.push({ args, resolve, reject });
      group.size += size;
    });
  }

  #send<A, R>(
    groups: Map<string, Group<A, R>>,
    key: string,
    group: Group<A, R>,
    flush: (waiters: Waiter<A, R>[]) => Promise<void>,
  ): void {
    if (groups.get(key) === group) groups.delete(key);
    if (group.timer !== undefined) clearTimeout(group.timer);
    group.timer = undefined;
    // flush settles every waiter itself; nothing is left to reject here.
    void flush(group.waiters);
  }

  async #flushWrites(
    collection: DocumentCollection,
    waiters: Waiter<UpsertArgs, UpsertResult>[],
  ): Promise<void> {
    if (waiters.length === 1)
      return settleAlone(waiters[0]!, (a) => this.#target.upsertMany(collection, a.docs, a.options));
    const options = waiters[0]!.args.options;
    let shared: UpsertResult;
    try {
      shared = await this.#target.upsertMany(
        collection,
        waiters.flatMap((w) => w.args.docs),
        options,
      );
    } catch {
      await Promise.all(
        waiters.map((w) => settleAlone(w, (a) => this.#target.upsertMany(collection, a.docs, a.options))),
      );
      return;
    }
    const byId = new Map((shared.documents ?? []).map((d) => [d.foreign_id, d]));
    let written = shared.written;
    let unchanged = shared.unchanged;
    for (const w of waiters) {
      const ids = [...new Set(w.args.docs.map((d) => d.foreign_id))];
      const mine = Math.min(written, ids.length);
      written -= mine;
      const same = Math.min(unchanged, ids.length - mine);
      unchanged -= same;
      w.resolve({
        written: mine,
        unchanged: same,
        ...(shared.documents && {
          documents: ids.flatMap((id) => {
            const d = byId.get(id);
            return d ? [d] : [];
          }),
        }),
      });
    }
  }

  async #flushReads(
    collection: DocumentCollection,
    waiters: Waiter<readonly string[], StoredDocument[]>[],
  ): Promise<void> {
    if (waiters.length === 1) return settleAlone(waiters[0]!, (ids) => this.#target.getMany(collection, ids));
    let found: StoredDocument[];
    try {
      found = await this.#target.getMany(collection, [...new Set(waiters.flatMap((w) => w.args))]);
    } catch {
      await Promise.all(waiters.map((w) => settleAlone(w, (ids) => this.#target.getMany(collection, ids))));
      return;
    }
    const byId = new Map(found.map((d) => [d.foreign_id, d]));
    for (const w of waiters) {
      // Each caller gets its own copy: a caller changing what it read must not change a neighbour's.
      w.resolve(
        [...new Set(w.args)].flatMap((id) => {
          const d = byId.get(id);
          return d ? [structuredClone(d)] : [];
        }),
      );
    }
  }
}

async function settleAlone<A, R>(w: Waiter<A, R>, call: (args: A) => Promise<R>): Promise<void> {
  try {
    w.resolve(await call(w.args));
  } catch (e) {
    w.reject(e);
  }
}
