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
 *               model (it is kept until decommission), and the migration stops.
 *   decommission → after cutover only: the old collection is deleted.
 */
import type { ChromaClient, Collection } from 'chromadb';
import type { DocumentChangeLog } from '../../effects/document-change-log.ts';
import { type DocumentStore, GET_MANY_MAX, type StoredDocument } from '../../effects/document-store.ts';
import type { EmbeddingSpec, VectorCollection } from '../../effects/effect-ports.ts';
import { CHUNKER_VERSIONS } from '../../effects/vector-schema.ts';
import {
  collectionMetadata,
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

export interface ReembedState {
  id: string;
  phase: ReembedPhase;
  from: RoutedCollection;
  to: RoutedCollection;
  /** Backfill checkpoint: the oldest foreign id done (pages go newest first), and totals. */
  cursor: string | null;
  backfilled: number;
  pages: number;
  /** Drift found and repaired by catch-ups (what changed during the backfill). */
  caught_up: number;
  /** The change-log catch-up (when the migration has the log): cursor from prepare, and what it applied. */
  cdc?: ReembedTailCounts;
  revision: number;
  history: Array<{ phase: ReembedPhase; at: string }>;
}

export interface ReembedOptions {
  documents: DocumentStore;
  chroma: ChromaClient;
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
  now?: () => Date;
  /** The document store's change log: catch-up tails it instead of comparing checksums. */
  changeLog?: Pick<DocumentChangeLog, 'changeHead' | 'changesAfter'>;
}

/** How many log batches one catch-up applies before answering (a queue step asks again). */
const TAIL_BATCHES = 50;

/** A phase was asked for out of order (cutover before dual-write, decommission without cutover). */
export class ReembedPhaseError extends Error {
  override readonly name = 'ReembedPhaseError';
}

const STATE_WIDTH = 12;

export class ReembedMigration {
  readonly #o: ReembedOptions;

  constructor(options: ReembedOptions) {
    this.#o = options;
  }

  get #stateId(): string {
    return `migration.reembed.${this.#o.collection}.${this.#o.id}`;
  }

  async state(): Promise<ReembedState | undefined> {
    const doc = await this.#o.documents.get('jobs', this.#stateId);
    return doc?.slots.state?.value as ReembedState | undefined;
  }

  async #save(state: ReembedState, phase: ReembedPhase = state.phase): Promise<ReembedState> {
    const next: ReembedState = {
      ...state,
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

  async #collection(c: RoutedCollection): Promise<Collection> {
    const metadata = collectionMetadata(c.spec, this.#o.target, CHUNKER_VERSIONS[this.#o.collection]);
    const col = await this.#o.chroma.getOrCreateCollection({
      name: c.name,
      embeddingFunction: null,
      configuration: { hnsw: { space: 'cosine' } },
      metadata,
    });
    // The pin is asserted before any write: a collection of that name pinned otherwise is a hard stop.
    const pin = {
      model: col.metadata?.['promethean:embedding_model'],
      dimension: col.metadata?.['promethean:embedding_dimension'],
    };
    if (pin.model !== c.spec.model || pin.dimension !== c.spec.dimension) {
      throw new ReembedPhaseError(
        `collection ${c.name} is pinned to ${String(pin.model)}/${String(pin.dimension)}, not ${c.spec.model}/${c.spec.dimension}`,
      );
    }
    return col;
  }

  /** Creates the pinned new collection and the state; a second call answers the existing state. */
  async prepare(): Promise<ReembedState> {
    const existing = await this.state();
    if (existing) return existing;
    // The log head comes first: every change after it is tailed, so none made during the backfill is missed.
    const head = this.#o.changeLog ? await this.#o.changeLog.changeHead() : undefined;
    await this.#collection(this.#o.from);
    await this.#collection(this.#o.to);
    await this.#route({ read: this.#o.from, write: [this.#o.from] });
    const initial: ReembedState = {
      id: this.#o.id,
      phase: 'prepared',
      from: this.#o.from,
      to: this.#o.to,
      cursor: null,
      backfilled: 0,
      pages: 0,
      caught_up: 0,
      ...(head !== undefined && {
        cdc: { cursor: head, entries: 0, reembedded: 0, metadata_only: 0, deleted: 0, unchanged: 0 },
      }),
      revision: 0,
      history: [{ phase: 'prepared', at: this.#now() }],
    };
    return this.#save(initial);
  }

  /** One backfill page (resumes from the checkpoint); answers the state after it. */
  async backfillPage(): Promise<ReembedState> {
    const state = await this.#require(['prepared', 'backfilling']);
    const pageSize = this.#o.pageSize ?? 500;
    const page = await this.#o.documents.find(
      'messages',
      {},
      {
        limit: pageSize,
        ...(state.cursor !== null && { before: state.cursor }),
      },
    );
    const sources = page.map(this.#o.sourceOf).flatMap((s) => (s.skip === undefined ? [s] : []));
    if (sources.length > 0) {
      const answer = await this.#o.embedNew(sources.map((s) => s.text));
      this.#assertSpec(answer, this.#o.to.spec);
      const col = await this.#collection(this.#o.to);
      await col.upsert({
        ids: sources.map((s) => s.id),
        embeddings: answer.vectors,
        documents: sources.map((s) => s.text),
        metadatas: sources.map((s) => s.metadata),
      });
    }
    const done = page.length < pageSize;
    return this.#save(
      {
        ...state,
        cursor: page.at(-1)?.foreign_id ?? state.cursor,
        backfilled: state.backfilled + sources.length,
        pages: state.pages + 1,
      },
      done ? 'backfilled' : 'backfilling',
    );
  }

  /**
   * Brings the new collection up to date with the documents, then turns dual-write on: from the change log
   * when the migration has it (`tail` answers what it applied), else by checksums (`report`).
   */
  async catchUp(): Promise<{
    state: ReembedState;
    report: IntegrityReport | null;
    tail: ReembedTailCounts | null;
  }> {
    const state = await this.#require(['backfilled', 'dual_write']);
    if (state.cdc && this.#o.changeLog) {
      const cdc = await this.#drainLog(state.cdc);
      if (state.phase === 'backfilled')
        await this.#route({ read: this.#o.from, write: [this.#o.from, this.#o.to] });
      const next = await this.#save({ ...state, cdc }, 'dual_write');
      return { state: next, report: null, tail: cdc };
    }
    const report = await this.#reconcile(this.#o.to, this.#o.embedNew);
    if (state.phase === 'backfilled')
      await this.#route({ read: this.#o.from, write: [this.#o.from, this.#o.to] });
    const next = await this.#save(
      { ...state, caught_up: state.caught_up + report.drift.length },
      'dual_write',
    );
    return { state: next, report, tail: null };
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
    return cdc === state.cdc ? state : this.#save({ ...state, cdc });
  }

  /**
   * A last catch-up, then reads flip to the new collection, then one more catch-up: a writer that embedded
   * with the old model just before the flip wrote only the old collection, and this brings it over.
   */
  async cutover(): Promise<ReembedState> {
    await this.#require(['dual_write']);
    const { state } = await this.catchUp();
    await this.#route({ read: this.#o.to, write: [this.#o.to, this.#o.from] });
    if (state.cdc && this.#o.changeLog) {
      const cdc = await this.#drainLog(state.cdc);
      return this.#save({ ...state, cdc }, 'cut_over');
    }
    const late = await this.#reconcile(this.#o.to, this.#o.embedNew);
    return this.#save({ ...state, caught_up: state.caught_up + late.drift.length }, 'cut_over');
  }

  /** Tails the log into the new collection until it has nothing newer (at most `TAIL_BATCHES` batches). */
  async #drainLog(from: ReembedTailCounts): Promise<ReembedTailCounts> {
    const input = {
      log: this.#o.changeLog!,
      documents: this.#o.documents,
      collection: await this.#collection(this.#o.to),
      spec: this.#o.to.spec,
      embed: this.#o.embedNew,
      sourceOf: this.#o.sourceOf,
    };
    let counts = from;
    for (let i = 0; i < TAIL_BATCHES; i++) {
      const next = await tailReembed(input, counts);
      if (next === counts) return counts;
      counts = next;
    }
    return counts;
  }

  /** From any phase before decommission: reads back on the old collection, caught up with the old model. */
  async rollback(): Promise<ReembedState> {
    const state = await this.#require([
      'prepared',
      'backfilling',
      'backfilled',
      'dual_write',
      'cut_over',
      'rolled_back',
    ]);
    await this.#route({ read: this.#o.from, write: [this.#o.from] });
    const report = await this.#reconcile(this.#o.from, this.#o.embedOld);
    return this.#save({ ...state, caught_up: state.caught_up + report.drift.length }, 'rolled_back');
  }

  /** After cutover: the old collection goes, and writes go to the new one only. */
  async decommission(): Promise<ReembedState> {
    const state = await this.#require(['cut_over']);
    await this.#route({ read: this.#o.to, write: [this.#o.to] });
    await this.#o.chroma.deleteCollection({ name: this.#o.from.name }).catch(() => undefined);
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
        drop: () => this.#o.chroma.deleteCollection({ name: target.name }),
        recheck: (ids) => this.#recheck(ids),
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

  async #require(phases: ReembedPhase[]): Promise<ReembedState> {
    const state = await this.state();
    if (!state) throw new ReembedPhaseError(`re-embed ${this.#o.id} is not prepared`);
    if (!phases.includes(state.phase)) {
      throw new ReembedPhaseError(
        `re-embed ${this.#o.id} is ${state.phase}; this step needs ${phases.join(' or ')}`,
      );
    }
    return state;
  }
}
