/**
 * The online re-embed of one tenant's vector collection into a new collection pinned to a new model and
 * dimension, while search keeps answering from the old one. Phases, each persisted (with its checkpoint) in
 * the tenant's document store, so any worker can be killed at any point and the next call resumes:
 *
 *   prepare   → the new collection exists, pinned; routing: read old, write old.
 *   backfill  → page by page (newest first, `before` cursor), embedded with the new model and upserted by
 *               id (a redone page overwrites: no duplicates); the checkpoint moves after each page.
 *   catch-up  → what changed during the backfill (and anything a failed write left out) is found by the
 *               integrity report's bisected checksums against the documents and repaired; routing now
 *               writes both collections (dual-write: each takes the writes of its own model).
 *               With the document store's change log (`changeLog`), the catch-up instead tails the log from
 *               the head recorded at prepare: every message written, edited or deleted since is applied
 *               to the new collection (re-embedded only when its text changed), with no full pass.
 *   cutover   → a last catch-up, then reads flip to the new collection in one routing write, then a
 *               catch-up of what writers still embedding with the old model wrote during the flip. With
 *               the change log, `tail()` keeps applying it after cutover until decommission (writers
 *               that still embed with the old model write only the old collection). Writers
 *               embed with the model of the routed read collection (`RoutedVectorStore.pinned`).
 *   rollback  → from any phase: reads flip back to the old collection, which is caught up with the old
 *               model (it is kept until decommission), and the migration stops. With the change log, the
 *               old collection is caught up from the log position recorded at cutover (every write since
 *               then, re-embedded with the old model only where the text changed) before and after the
 *               flip; a later cutover (from rolled_back) catches the new collection up the same way from
 *               where its tail stopped.
 *   decommission → after cutover only: the old collection is deleted.
 */
import type { Collection } from 'chromadb';
import { type ChromaUpsertOptions, ChromaVectorStore } from '../../effects/chroma-vector-store.ts';
import { CHANGES_MAX, type DocumentChangeLog } from '../../effects/document-change-log.ts';
import { type DocumentStore, GET_MANY_MAX, type StoredDocument } from '../../effects/document-store.ts';
import type { EmbeddingSpec, VectorCollection, VectorRecord } from '../../effects/effect-ports.ts';
import { VectorSchemaMismatchError } from '../../effects/vector-schema.ts';
import { LatencySketch, type SketchData } from '../../ops/latency-sketch.ts';
import {
  type Expected,
  type IntegrityReport,
  integrityReport,
  repairIntegrity,
} from '../integrity/integrity-report.ts';
import type { Embedder, VectorSourceOf } from '../integrity/vector-source.ts';
import type { DataTarget } from '../target-marker.ts';
import { type ReembedTailCounts, tailReembed } from './reembed-change-tail.ts';
import { type RoutedCollection, readRouting, type VectorRouting, writeRouting } from './vector-routing.ts';

export type ReembedPhase =
  | 'prepared'
  | 'backfilling'
  | 'backfilled'
  | 'dual_write'
  | 'cut_over'
  | 'decommissioned'
  | 'rolled_back';

/** Every phase a migration can still move from: its goal can change and it can roll back. */
const BEFORE_DECOMMISSION: readonly ReembedPhase[] = [
  'prepared',
  'backfilling',
  'backfilled',
  'dual_write',
  'cut_over',
  'rolled_back',
];

/** Where a stepped migration stops on its own (`step()`); the operator moves it on. */
export type ReembedGoal = 'dual_write' | 'cut_over' | 'decommissioned';

/** Latency of the migration's own model and Chroma write calls, summed over its life (mergeable sketches). */
export interface ReembedLatency {
  embed_ms: SketchData;
  chroma_upsert_ms: SketchData;
}

export interface ReembedState {
  id: string;
  phase: ReembedPhase;
  goal?: ReembedGoal;
  /** Messages counted at prepare (progress). */
  total?: number;
  from: RoutedCollection;
  to: RoutedCollection;
  /** Backfill checkpoint: the oldest foreign id done (pages go newest first), and totals. */
  cursor: string | null;
  backfilled: number;
  pages: number;
  /**
   * The new collection was empty when prepared: during the backfill only its pages write it, always with
   * the same metadata keys, so a page's upsert skips the stale-metadata read (a record a redone page wrote
   * differently is of a document changed since prepare, which catch-up rewrites exactly). Absent in states
   * saved before it was recorded (then every page reads first).
   */
  to_fresh?: boolean;
  /** Drift found and repaired by catch-ups (what changed during the backfill). */
  caught_up: number;
  /** The change-log catch-up (when the migration has the log): cursor from prepare, and what it applied. */
  cdc?: ReembedTailCounts;
  /**
   * The change log applied to the OLD collection since the last cutover (cursor = the log head taken just
   * before reads flipped): a rollback starts there, so writes made only to the new collection come back.
   */
  back?: ReembedTailCounts;
  latency?: ReembedLatency;
  /** When the state was last saved (progress reports carry it). */
  updated_at?: string;
  revision: number;
  history: Array<{ phase: ReembedPhase; at: string }>;
}

export interface ReembedOptions {
  documents: DocumentStore;
  /** The Chroma server: both collections are reached through `ChromaVectorStore` (one per collection name). */
  chromaUrl: string;
  scope: { provider: string; tenant: string };
  collection: VectorCollection;
  id: string;
  from: RoutedCollection;
  to: RoutedCollection;
  embedNew: Embedder;
  embedOld: Embedder;
  sourceOf: VectorSourceOf;
  target: DataTarget;
  pageSize?: number;
  /**
   * Backfill pages one `step()` writes (4 by default): within a step the next page is read and embedded
   * while the current one is written, each page still checkpointed; a step never reads past its last page.
   */
  pagesPerStep?: number;
  /**
   * Backfill pages written to Chroma at once (2 by default): the checkpoint still moves page by page, in
   * order, each after its own write and every earlier one finished.
   */
  writesInFlight?: number;
  now?: () => Date;
  /** The document store's change log: catch-up tails it instead of comparing checksums. */
  changeLog?: Pick<DocumentChangeLog, 'changeHead' | 'changesAfter'>;
  /** Milliseconds for latency figures (`Date.now` by default). */
  clock?: () => number;
}

const emptyCounts = (cursor: number): ReembedTailCounts => ({
  cursor,
  entries: 0,
  reembedded: 0,
  metadata_only: 0,
  deleted: 0,
  unchanged: 0,
});

/** How many log batches one catch-up applies before answering (a queue step asks again). */
const TAIL_BATCHES = 50;
/** Up to this many change-log entries behind, the lag is counted exactly (messages only). */
const LAG_EXACT = 500;
/** A tail that passed over at least this many non-message entries saves its cursor (below LAG_EXACT). */
const IDLE_SAVE_DISTANCE = 100;

/** A phase was asked for out of order (cutover before dual-write, decommission without cutover). */
export class ReembedPhaseError extends Error {
  override readonly name = 'ReembedPhaseError';
}

const STATE_WIDTH = 12;

/** One backfill page read (and embedded) ahead of its write. */
interface BackfillPage {
  /** The checkpoint it was read after. */
  after: string | null;
  docs: StoredDocument[];
  sources: Array<{ id: string; text: string; metadata: VectorRecord['metadata'] }>;
  vectors: number[][];
  last: boolean;
}

/** The `jobs` document holding a re-embed's state. */
export const reembedStateId = (collection: VectorCollection, id: string) =>
  `migration.reembed.${collection}.${id}`;

export class ReembedMigration {
  readonly #o: ReembedOptions;
  /** Latency recorded by this instance since its last save (added to the state's sketches there). */
  #embedMs = new LatencySketch();
  #upsertMs = new LatencySketch();
  /** The vector store of each collection this instance touched, by name (it keeps the isolate's handles). */
  readonly #stores = new Map<string, ChromaVectorStore>();

  constructor(options: ReembedOptions) {
    const clock = options.clock ?? Date.now;
    const timed =
      (embed: Embedder): Embedder =>
      async (texts) => {
        const t0 = clock();
        try {
          return await embed(texts);
        } finally {
          this.#embedMs.record(Math.max(0, clock() - t0));
        }
      };
    this.#o = { ...options, embedNew: timed(options.embedNew), embedOld: timed(options.embedOld) };
  }

  /** The collection with its writes (`upsert`, `add`) timed into the migration's Chroma latency. */
  #timedWrites(col: Collection): Collection {
    const clock = this.#o.clock ?? Date.now;
    const sketch = () => this.#upsertMs;
    return new Proxy(col, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        const bound = (value as (...a: unknown[]) => unknown).bind(target);
        if (prop !== 'upsert' && prop !== 'add') return bound;
        return async (...args: unknown[]) => {
          const t0 = clock();
          try {
            return await bound(...args);
          } finally {
            sketch().record(Math.max(0, clock() - t0));
          }
        };
      },
    });
  }

  /** Writes records through the collection's vector store, timed into the migration's Chroma latency. */
  async #upsert(
    target: RoutedCollection,
    records: readonly VectorRecord[],
    options: ChromaUpsertOptions = {},
  ): Promise<void> {
    const clock = this.#o.clock ?? Date.now;
    const t0 = clock();
    try {
      await this.#vectors(target).upsert(this.#o.collection, records, target.spec, options);
    } finally {
      this.#upsertMs.record(Math.max(0, clock() - t0));
    }
  }

  #vectors(c: RoutedCollection): ChromaVectorStore {
    let store = this.#stores.get(c.name);
    if (!store) {
      store = new ChromaVectorStore({
        url: this.#o.chromaUrl,
        ...this.#o.scope,
        target: this.#o.target,
        names: { [this.#o.collection]: c.name },
      });
      this.#stores.set(c.name, store);
    }
    return store;
  }

  /** The state's latency with what this instance recorded since its last save. */
  #latency(state: ReembedState): ReembedLatency | undefined {
    if (this.#embedMs.count === 0 && this.#upsertMs.count === 0) return state.latency;
    const embed = state.latency ? LatencySketch.from(state.latency.embed_ms) : new LatencySketch();
    const upsert = state.latency ? LatencySketch.from(state.latency.chroma_upsert_ms) : new LatencySketch();
    embed.merge(this.#embedMs);
    upsert.merge(this.#upsertMs);
    return { embed_ms: embed.toJSON(), chroma_upsert_ms: upsert.toJSON() };
  }

  get #stateId(): string {
    return reembedStateId(this.#o.collection, this.#o.id);
  }

  /** A re-embed's state without building the migration (its collections and models are in it). */
  static async load(
    documents: DocumentStore,
    collection: VectorCollection,
    id: string,
  ): Promise<ReembedState | undefined> {
    const doc = await documents.get('jobs', reembedStateId(collection, id));
    return doc?.slots.state?.value as ReembedState | undefined;
  }

  async state(): Promise<ReembedState | undefined> {
    return ReembedMigration.load(this.#o.documents, this.#o.collection, this.#o.id);
  }

  async #save(state: ReembedState, phase: ReembedPhase = state.phase): Promise<ReembedState> {
    const latency = this.#latency(state);
    const next: ReembedState = {
      ...state,
      ...(latency && { latency }),
      updated_at: this.#now(),
      phase,
      revision: state.revision + 1,
      history: phase === state.phase ? state.history : [...state.history, { phase, at: this.#now() }],
    };
    await this.#o.documents.upsertMany('jobs', [
      {
        ...this.#o.scope,
        foreign_id: this.#stateId,
        urn: `urn:${this.#o.scope.provider}:migration:${this.#o.scope.tenant}:${this.#stateId}`,
        index: { kind: 'reembed' },
        slots: { state: { version: String(next.revision).padStart(STATE_WIDTH, '0'), value: next } },
      },
    ]);
    this.#embedMs = new LatencySketch();
    this.#upsertMs = new LatencySketch();
    return next;
  }

  #now(): string {
    return (this.#o.now?.() ?? new Date()).toISOString();
  }

  async #route(routing: Omit<VectorRouting, 'revision'>): Promise<void> {
    const current = await readRouting(this.#o.documents, this.#o.collection);
    await writeRouting(
      this.#o.documents,
      this.#o.scope,
      this.#o.collection,
      { ...routing, migration_id: this.#o.id },
      current?.revision ?? 0,
    );
  }

  /**
   * The collection (created pinned to its spec when absent), for the integrity report's reads and repair;
   * its writes are timed. The pin is asserted before any write: pinned otherwise is a hard stop.
   */
  async #collection(c: RoutedCollection): Promise<Collection> {
    try {
      return this.#timedWrites(await this.#vectors(c).collection(this.#o.collection, c.spec));
    } catch (error) {
      if (!(error instanceof VectorSchemaMismatchError)) throw error;
      throw new ReembedPhaseError(
        `collection ${c.name} is pinned to ${error.pinned.model}/${error.pinned.dimension}, not ${c.spec.model}/${c.spec.dimension}`,
      );
    }
  }

  /** Creates the pinned new collection and the state; a second call answers the existing state. */
  async prepare(goal: ReembedGoal = 'dual_write'): Promise<ReembedState> {
    const existing = await this.state();
    if (existing) return existing;
    // The log head comes first: every change after it is tailed, so none made during the backfill is missed.
    const head = this.#o.changeLog ? await this.#o.changeLog.changeHead() : undefined;
    await this.#collection(this.#o.from);
    const fresh = (await (await this.#collection(this.#o.to)).count()) === 0;
    await this.#route({ read: this.#o.from, write: [this.#o.from] });
    const total = await this.#o.documents.count('messages');
    const initial: ReembedState = {
      id: this.#o.id,
      phase: 'prepared',
      goal,
      total,
      from: this.#o.from,
      to: this.#o.to,
      cursor: null,
      backfilled: 0,
      pages: 0,
      caught_up: 0,
      to_fresh: fresh,
      ...(head !== undefined && { cdc: emptyCounts(head) }),
      revision: 0,
      history: [{ phase: 'prepared', at: this.#now() }],
    };
    return this.#save(initial);
  }

  /** One backfill page (resumes from the checkpoint); answers the state after it. */
  async backfillPage(): Promise<ReembedState> {
    const state = await this.#require(['prepared', 'backfilling']);
    return this.#writePage(state, await this.#readPage(state.cursor));
  }

  /**
   * The whole backfill in this process (a CLI, a bench), or with `maxPages` one platform step's pages. Pages
   * flow through a pipeline: the next page is read and embedded while up to `writesInFlight` earlier pages
   * are written to Chroma (it takes two concurrent writes faster than one after the other), and checkpoints
   * are saved strictly in page order, each after its own write (and every earlier one) finished. A worker
   * killed mid-way resumes from the last checkpoint; pages written past it are written again by id (an
   * upsert: no duplicates). A checkpoint someone else moved drops this run's pages in flight, which are
   * read again from the moved checkpoint. `onPage` runs after each checkpoint. With `maxPages` it stops after
   * that many pages and reads nothing past the last (a platform step: the next message may run anywhere,
   * and a page read ahead there would be embedded twice).
   */
  async backfill(
    onPage?: (state: ReembedState) => Promise<void> | void,
    o: { maxPages?: number; loaded?: ReembedState } = {},
  ): Promise<ReembedState> {
    let state = await this.#require(['prepared', 'backfilling', 'backfilled'], o.loaded);
    const limit = o.maxPages ?? Number.POSITIVE_INFINITY;
    for (let written = 0; state.phase !== 'backfilled' && written < limit; ) {
      const run = await this.#backfillRun(state, limit - written, onPage);
      state = run.state;
      written += run.pages;
    }
    return state;
  }

  /**
   * Pages from `state`'s checkpoint on, pipelined (see `backfill`), until the last page, `limit` pages, or a
   * checkpoint moved by someone else (then `pages` counts only this run's checkpoints before it).
   */
  async #backfillRun(
    start: ReembedState,
    limit: number,
    onPage?: (state: ReembedState) => Promise<void> | void,
  ): Promise<{ state: ReembedState; pages: number }> {
    const inFlight = Math.max(1, this.#o.writesInFlight ?? 2);
    const noStaleKeys = start.to_fresh === true;
    const writes: Array<{ page: BackfillPage; done: Promise<void> }> = [];
    let state = start;
    let pages = 0;
    let read = 0;
    let next: Promise<BackfillPage> | undefined = this.#readPage(start.cursor);
    // Awaited in turn; until then a failure is that turn's, not an unhandled rejection.
    next.catch(() => undefined);
    /** Waits for what is still in flight, so no write outlives the run that started it. */
    const drain = () => Promise.allSettled([next, ...writes.map((w) => w.done)]);
    try {
      while (next || writes.length > 0) {
        if (next && writes.length < inFlight) {
          const page: BackfillPage = await next;
          read++;
          next = page.last || read >= limit ? undefined : this.#readPage(page.docs.at(-1)!.foreign_id);
          next?.catch(() => undefined);
          const done = this.#writeVectors(page, noStaleKeys);
          done.catch(() => undefined);
          writes.push({ page, done });
          continue;
        }
        const oldest = writes.shift()!;
        await oldest.done;
        const current = await this.#require(['prepared', 'backfilling']);
        if (current.cursor !== oldest.page.after) {
          await drain();
          return { state: current, pages };
        }
        state = await this.#checkpoint(current, oldest.page);
        pages++;
        await onPage?.(state);
      }
    } catch (error) {
      await drain();
      throw error;
    }
    return { state, pages };
  }

  /** The page of messages after `after` (newest first), with the new model's vectors. */
  async #readPage(after: string | null): Promise<BackfillPage> {
    const pageSize = this.#o.pageSize ?? 500;
    const docs = await this.#o.documents.find(
      'messages',
      {},
      { limit: pageSize, ...(after !== null && { before: after }) },
    );
    const sources = docs.map(this.#o.sourceOf).flatMap((s) => (s.skip === undefined ? [s] : []));
    const vectors = sources.length > 0 ? await this.#o.embedNew(sources.map((s) => s.text)) : undefined;
    if (vectors) this.#assertSpec(vectors, this.#o.to.spec);
    return { after, docs, sources, vectors: vectors?.vectors ?? [], last: docs.length < pageSize };
  }

  /** Writes a page read by `#readPage` and moves the checkpoint past it. */
  async #writePage(state: ReembedState, page: BackfillPage): Promise<ReembedState> {
    await this.#writeVectors(page, state.to_fresh === true);
    return this.#checkpoint(state, page);
  }

  /** A page's vectors into the new collection (`noStaleKeys`: the collection was empty at prepare). */
  async #writeVectors(page: BackfillPage, noStaleKeys: boolean): Promise<void> {
    if (page.sources.length === 0) return;
    await this.#upsert(
      this.#o.to,
      page.sources.map((s, i) => ({
        id: s.id,
        embedding: page.vectors[i]!,
        document: s.text,
        metadata: s.metadata,
      })),
      { noStaleKeys },
    );
  }

  /** Moves the checkpoint past a written page. */
  #checkpoint(state: ReembedState, page: BackfillPage): Promise<ReembedState> {
    return this.#save(
      {
        ...state,
        cursor: page.docs.at(-1)?.foreign_id ?? state.cursor,
        backfilled: state.backfilled + page.sources.length,
        pages: state.pages + 1,
      },
      page.last ? 'backfilled' : 'backfilling',
    );
  }

  /**
   * Brings the new collection up to date with the documents, then turns dual-write on: from the change log
   * when the migration has it (`tail` answers what it applied), else by checksums (`report`).
   */
  async catchUp(loaded?: ReembedState): Promise<{
    state: ReembedState;
    report: IntegrityReport | null;
    tail: ReembedTailCounts | null;
    /**
     * The change log was drained up to its head as one batch read it (only what was written meanwhile is
     * left); false without a change log.
     */
    nearHead: boolean;
  }> {
    const state = await this.#require(['backfilled', 'dual_write'], loaded);
    if (state.cdc && this.#o.changeLog) {
      // Up to the head as last read is enough: cutover and the tail apply the rest from the saved cursor.
      const drained = await this.#drain(state.cdc, 'to', 'partial');
      if (state.phase === 'backfilled')
        await this.#route({ read: this.#o.from, write: [this.#o.from, this.#o.to] });
      const next = await this.#save({ ...state, cdc: drained.counts }, 'dual_write');
      return { state: next, report: null, tail: drained.counts, nearHead: drained.nearHead };
    }
    const report = await this.#reconcile(this.#o.to, this.#o.embedNew);
    if (state.phase === 'backfilled')
      await this.#route({ read: this.#o.from, write: [this.#o.from, this.#o.to] });
    const next = await this.#save(
      { ...state, caught_up: state.caught_up + report.drift.length },
      'dual_write',
    );
    return { state: next, report, tail: null, nearHead: false };
  }

  /**
   * One change-log catch-up in dual-write or after cutover (a queue step or cron runs it until
   * decommission); answers the state with the log's counts.
   */
  async tail(): Promise<ReembedState> {
    const state = await this.#require(['dual_write', 'cut_over']);
    if (!state.cdc || !this.#o.changeLog) {
      throw new ReembedPhaseError(`re-embed ${this.#o.id} has no change log to tail`);
    }
    const cdc = await this.#drainLog(state.cdc);
    // A pass that met no message (only other collections' entries, such as this migration's own last
    // save) keeps the saved cursor: saving would log one more entry for the next pass to read, so an idle
    // tail would write the state every minute. Past IDLE_SAVE_DISTANCE such entries it saves, so a
    // re-read stays short and `lag` keeps counting exactly.
    const idle =
      (cdc.messages ?? 0) === (state.cdc.messages ?? 0) &&
      cdc.cursor - state.cdc.cursor < IDLE_SAVE_DISTANCE &&
      this.#embedMs.count === 0;
    return cdc === state.cdc || idle ? state : this.#save({ ...state, cdc });
  }

  /**
   * `messages` change-log entries the new collection has not had yet (0 without a change log). Other
   * collections' entries do not count: the migration's own state lives in `jobs`, so each save logs one.
   * Past `LAG_EXACT` entries the raw distance to the head is answered (an upper bound).
   */
  async lag(state: ReembedState): Promise<number> {
    if (!state.cdc || !this.#o.changeLog) return 0;
    // Both reads at once (each step ends with this count): the entries go unused when the head is far.
    const [head, entries] = await Promise.all([
      this.#o.changeLog.changeHead(),
      this.#o.changeLog.changesAfter(state.cdc.cursor, LAG_EXACT),
    ]);
    const behind = head - state.cdc.cursor;
    if (behind <= 0) return 0;
    if (behind > LAG_EXACT) return behind;
    return entries.filter((e) => e.collection === 'messages' && e.seq <= head).length;
  }

  /** Moves the point where `step()` stops (cutover and decommission are goals an operator sets). */
  async setGoal(goal: ReembedGoal): Promise<ReembedState> {
    const state = await this.#require(BEFORE_DECOMMISSION);
    return state.goal === goal ? state : this.#save({ ...state, goal });
  }

  /**
   * One unit of work toward the goal (a queue step runs it): a backfill page, the catch-up into
   * dual-write, cutover, decommission, or one change-log drain while in dual-write or cut over. `more`
   * says whether another step has work now (a tail that caught up answers false: the next schedule
   * starts again).
   */
  async step(loaded?: ReembedState): Promise<{ state: ReembedState; more: boolean }> {
    const state = loaded ?? (await this.state());
    if (!state) throw new ReembedPhaseError(`re-embed ${this.#o.id} is not prepared`);
    const goal = state.goal ?? 'dual_write';
    switch (state.phase) {
      case 'prepared':
      case 'backfilling':
        return {
          state: await this.backfill(undefined, { maxPages: this.#o.pagesPerStep ?? 4, loaded: state }),
          more: true,
        };
      case 'backfilled': {
        const caught = await this.catchUp(state);
        // Toward cutover, a catch-up that reached the log's head cuts over in the same step: what it just
        // drained needs no second step's loads and drains first. A catch-up that stopped short of the head
        // (a long backfill's log) leaves cutover to the next step, so no step runs unbounded.
        if (goal === 'dual_write' || !caught.nearHead) {
          return { state: caught.state, more: goal !== 'dual_write' || (await this.lag(caught.state)) > 0 };
        }
        const next = await this.cutover(caught.state, { caughtUp: true });
        return { state: next, more: goal === 'decommissioned' || (await this.lag(next)) > 0 };
      }
      case 'dual_write':
      case 'rolled_back':
        if (goal !== 'dual_write') {
          const next = await this.cutover(state);
          return { state: next, more: goal === 'decommissioned' || (await this.lag(next)) > 0 };
        }
        return this.#tailStep(state);
      case 'cut_over':
        if (goal === 'decommissioned') return { state: await this.decommission(), more: false };
        return this.#tailStep(state);
      default:
        return { state, more: false };
    }
  }

  async #tailStep(state: ReembedState): Promise<{ state: ReembedState; more: boolean }> {
    if (state.phase === 'rolled_back' || !state.cdc || !this.#o.changeLog) return { state, more: false };
    const next = await this.tail();
    return { state: next, more: (await this.lag(next)) > 0 };
  }

  /**
   * A last catch-up, then reads flip to the new collection, then one more catch-up: a writer that embedded
   * with the old model just before the flip wrote only the old collection, and this brings it over.
   * `caughtUp`: the caller just drained the log (the catch-up of the same step), so the flip comes first
   * and one drain after it applies what was written since.
   */
  async cutover(loaded?: ReembedState, o: { caughtUp?: boolean } = {}): Promise<ReembedState> {
    const current = await this.#require(['dual_write', 'rolled_back'], loaded);
    if (current.phase === 'rolled_back' && !current.history.some((h) => h.phase === 'backfilled')) {
      throw new ReembedPhaseError(`re-embed ${this.#o.id} was rolled back before its backfill finished`);
    }
    if (current.cdc && this.#o.changeLog) {
      // From rolled_back too: the forward tail stopped at the rollback, so this applies every write since.
      // Up to the head as last read is enough before the flip: the drain after it goes on from there.
      const cdc = o.caughtUp ? current.cdc : (await this.#drain(current.cdc, 'to', 'partial')).counts;
      const head = await this.#o.changeLog.changeHead();
      await this.#route({ read: this.#o.to, write: [this.#o.to, this.#o.from] });
      const after = await this.#drainLog(cdc);
      const back = { ...(current.back ?? emptyCounts(head)), cursor: head };
      return this.#save({ ...current, cdc: after, back }, 'cut_over');
    }
    let state = current;
    if (current.phase === 'dual_write') state = (await this.catchUp()).state;
    else {
      const early = await this.#reconcile(this.#o.to, this.#o.embedNew);
      state = { ...state, caught_up: state.caught_up + early.drift.length };
    }
    await this.#route({ read: this.#o.to, write: [this.#o.to, this.#o.from] });
    const late = await this.#reconcile(this.#o.to, this.#o.embedNew);
    return this.#save({ ...state, caught_up: state.caught_up + late.drift.length }, 'cut_over');
  }

  /** Tails the log into the new collection until it has nothing newer (at most `TAIL_BATCHES` batches). */
  async #drainLog(from: ReembedTailCounts, into: 'to' | 'from' = 'to'): Promise<ReembedTailCounts> {
    return (await this.#drain(from, into, 'empty')).counts;
  }

  /**
   * Tails the log into a collection until a batch reads nothing (`empty`) or less than a full batch
   * (`partial`: the head as that read saw it; what writers add meanwhile is left for a later drain, since a
   * steady writer keeps adding a few entries per round trip), at most `TAIL_BATCHES` batches; `nearHead` in
   * the answer says whether it got there.
   */
  async #drain(
    from: ReembedTailCounts,
    into: 'to' | 'from',
    until: 'empty' | 'partial',
  ): Promise<{ counts: ReembedTailCounts; nearHead: boolean }> {
    const target = into === 'to' ? this.#o.to : this.#o.from;
    const input = {
      log: this.#o.changeLog!,
      documents: this.#o.documents,
      collection: await this.#collection(target),
      vectors: {
        delete: (ids: readonly string[]) => this.#vectors(target).delete(this.#o.collection, ids),
        upsert: (records: readonly VectorRecord[]) => this.#upsert(target, records, { noStaleKeys: true }),
      },
      spec: target.spec,
      embed: into === 'to' ? this.#o.embedNew : this.#o.embedOld,
      sourceOf: this.#o.sourceOf,
    };
    let counts = from;
    for (let i = 0; i < TAIL_BATCHES; i++) {
      const next = await tailReembed(input, counts);
      const read = next.entries - counts.entries;
      counts = next;
      if (read === 0 || (until === 'partial' && read < CHANGES_MAX)) return { counts, nearHead: true };
    }
    return { counts, nearHead: false };
  }

  /** From any phase before decommission: reads back on the old collection, caught up with the old model. */
  async rollback(): Promise<ReembedState> {
    const state = await this.#require(BEFORE_DECOMMISSION);
    if (state.cdc && this.#o.changeLog) {
      // Before any cutover the old collection served reads and took every write: nothing to bring back.
      if (!state.back) {
        await this.#route({ read: this.#o.from, write: [this.#o.from] });
        return this.#save({ ...state, goal: 'dual_write' }, 'rolled_back');
      }
      // Writes since cutover that only the new collection got (writers on the new model) come back
      // before reads flip, and once more after, for writers that read the routing just before the flip.
      const early = await this.#drainLog(state.back, 'from');
      await this.#route({ read: this.#o.from, write: [this.#o.from] });
      const back = await this.#drainLog(early, 'from');
      return this.#save({ ...state, back, goal: 'dual_write' }, 'rolled_back');
    }
    await this.#route({ read: this.#o.from, write: [this.#o.from] });
    const report = await this.#reconcile(this.#o.from, this.#o.embedOld);
    return this.#save(
      { ...state, goal: 'dual_write', caught_up: state.caught_up + report.drift.length },
      'rolled_back',
    );
  }

  /** After cutover: the old collection goes, and writes go to the new one only. */
  async decommission(): Promise<ReembedState> {
    const state = await this.#require(['cut_over']);
    await this.#route({ read: this.#o.to, write: [this.#o.to] });
    await this.#vectors(this.#o.from).drop(this.#o.collection);
    return this.#save(state, 'decommissioned');
  }

  async #reconcile(target: RoutedCollection, embed: Embedder): Promise<IntegrityReport> {
    const col = await this.#collection(target);
    const input = {
      documents: { [Symbol.asyncIterator]: () => this.#allDocuments() },
      sourceOf: this.#o.sourceOf,
      collection: col,
      collectionName: target.name,
      expected: target.spec,
      embed,
    };
    const report = await integrityReport(input);
    if (!report.ok) {
      await repairIntegrity(report, {
        ...input,
        recreate: () => this.#collection(target),
        drop: () => this.#vectors(target).drop(this.#o.collection),
        recheck: (ids) => this.#recheck(ids),
        // The next phase's report compares the whole collection again; this one checks what it rewrote.
        verify: 'repaired' as const,
      });
    }
    return report;
  }

  /** The current source of each record id (a message URN), read again from the documents. */
  async #recheck(ids: readonly string[]): Promise<Map<string, Expected | undefined>> {
    const out = new Map<string, Expected | undefined>();
    const byForeign = new Map(ids.map((id) => [id.split(':').slice(4).join(':'), id]));
    const foreign = [...byForeign.keys()].filter((f) => f !== '');
    for (let i = 0; i < foreign.length; i += GET_MANY_MAX) {
      for (const doc of await this.#o.documents.getMany('messages', foreign.slice(i, i + GET_MANY_MAX))) {
        const source = this.#o.sourceOf(doc);
        if (source.skip === undefined) out.set(source.id, { text: source.text, metadata: source.metadata });
      }
    }
    for (const id of ids) if (!out.has(id)) out.set(id, undefined);
    return out;
  }

  async *#allDocuments(): AsyncGenerator<StoredDocument> {
    let before: string | undefined;
    for (;;) {
      const page = await this.#o.documents.find(
        'messages',
        {},
        { limit: 1000, ...(before !== undefined && { before }) },
      );
      yield* page;
      if (page.length < 1000) return;
      before = page.at(-1)!.foreign_id;
    }
  }

  #assertSpec(answer: { model: string; dimension: number }, spec: EmbeddingSpec): void {
    if (answer.model !== spec.model || answer.dimension !== spec.dimension) {
      throw new ReembedPhaseError(
        `the embedder answered ${answer.model}/${answer.dimension} but ${this.#o.to.name} is pinned to ${spec.model}/${spec.dimension}`,
      );
    }
  }

  /** The saved state (or `loaded`, the one the caller just read), refused unless in one of `phases`. */
  async #require(phases: readonly ReembedPhase[], loaded?: ReembedState): Promise<ReembedState> {
    const state = loaded ?? (await this.state());
    if (!state) throw new ReembedPhaseError(`re-embed ${this.#o.id} is not prepared`);
    if (!phases.includes(state.phase)) {
      throw new ReembedPhaseError(
        `re-embed ${this.#o.id} is ${state.phase}; this step needs ${phases.join(' or ')}`,
      );
    }
    return state;
  }
}
