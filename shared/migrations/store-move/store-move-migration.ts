/**
 * Moves a tenant's documents between its document stores (embedded SQLite ↔ MongoDB) while messages keep
 * arriving. Every step reads the persisted state, does one idempotent piece of work and writes the state
 * back by compare-and-set, so a worker killed anywhere is resumed by the next step (a queue message):
 *
 *   prepared     → routing: read old, write old; the document totals are counted for progress.
 *   backfilling  → the old store's change-log head is recorded first (the CDC start), then page by page in
 *                  sort-key order each collection is copied into the new store. Copies are slot merges:
 *                  a redone page changes nothing (dedupe by id, no duplicates).
 *   cdc          → the old store's change log is tailed from the recorded head into the new store, until
 *                  the lag is zero: every write made during the backfill is copied (coalesced per document).
 *   dual_write   → routing: read old, write both. CDC keeps tailing (a failed second write and a writer that
 *                  read the routing just before the flip are both in the old store's log).
 *   cut_over     → a last tail, the new store's log head is kept for rollback, reads flip (write both, new
 *                  first), then a tail of what writers with the old routing wrote meanwhile. From here the
 *                  new store's log is tailed back into the old one, so a rollback finds it in step, and the
 *                  old store's log is still tailed forward (writers holding an older routing).
 *   decommission → a last tail, routing: new store only, the old store's collections purged.
 *   rollback     → from any phase before decommission: the old store is brought up to date from the new
 *                  one's log (when it was primary), reads flip back to the old store, and the move stops.
 *                  The new store keeps its copy (a later move merges over it).
 */
import { z } from 'zod';
import { CHANGES_MAX, type DocumentChangeLog } from '../../effects/document-change-log.ts';
import { type DocumentCollection, type DocumentStore, GET_MANY_MAX } from '../../effects/document-store.ts';
import { DocumentCollectionName } from '../../effects/document-validation.ts';
import { tailOnce } from '../cdc/change-tailer.ts';
import { ControlConflictError, type ControlStore } from '../control-store.ts';
import { DocumentBackend, readDocumentRouting, writeDocumentRouting } from './document-routing.ts';
import { verifyStoreMove } from './store-move-verifier.ts';

export const StoreMovePhase = z.enum([
  'prepared',
  'backfilling',
  'cdc',
  'dual_write',
  'cut_over',
  'decommissioned',
  'rolled_back',
]);
export type StoreMovePhase = z.infer<typeof StoreMovePhase>;

/** Where a queue-driven move stops on its own; an operator moves the goal forward (cutover, decommission). */
export const StoreMoveGoal = z.enum(['dual_write', 'cut_over', 'decommissioned']);
export type StoreMoveGoal = z.infer<typeof StoreMoveGoal>;

export const StoreMoveState = z.object({
  kind: z.literal('store-move'),
  id: z.string().min(1),
  from: DocumentBackend,
  to: DocumentBackend,
  phase: StoreMovePhase,
  goal: StoreMoveGoal,
  paused: z.boolean(),
  collections: z.array(DocumentCollectionName),
  /** Backfill checkpoint: the collection being copied and the last sort key done in it. */
  collection_index: z.number().int().min(0),
  cursor: z.string().nullable(),
  /** The old store's change-log head when the backfill started; null before. */
  start_seq: z.number().int().min(0).nullable(),
  /** The last old-store change applied to the new store. */
  cdc_cursor: z.number().int().min(0),
  /** The new store's log head at cutover and the last of its changes applied back to the old store. */
  reverse_cursor: z.number().int().min(0).nullable(),
  total: z.number().int().min(0),
  backfilled: z.number().int().min(0),
  pages: z.number().int().min(0),
  cdc_entries: z.number().int().min(0),
  cdc_applied: z.number().int().min(0),
  reverse_applied: z.number().int().min(0),
  purged: z.number().int().min(0),
  /**
   * The last comparison of both stores (`store-move-verifier.ts`), taken once the log is drained after
   * cutover, or on demand; absent before (and in states persisted before it existed).
   */
  verification: z
    .object({
      documents: z.number().int().min(0),
      verified: z.number().int().min(0),
      differing: z.number().int().min(0),
      differing_ids: z.array(z.string()),
      ranges_compared: z.number().int().min(0),
      repaired: z.number().int().min(0).optional(),
      at: z.string(),
    })
    .optional(),
  history: z.array(z.object({ phase: StoreMovePhase, at: z.string() })),
  updated_at: z.string(),
});
export type StoreMoveState = z.infer<typeof StoreMoveState>;

export const STORE_MOVE_KEY = 'store_move';

export type StoreWithLog = DocumentStore & DocumentChangeLog;

export interface StoreMoveOptions {
  control: ControlStore;
  stores: Record<DocumentBackend, StoreWithLog>;
  pageSize?: number;
  now?: () => Date;
  /** Called after each unit of work with what it did (metrics: backfill, CDC applied, lag). */
  onProgress?: (event: StoreMoveProgress) => void;
}

export interface StoreMoveProgress {
  kind: 'backfill' | 'cdc' | 'reverse';
  documents: number;
  entries: number;
  lag: number;
}

/** A step asked for out of order (cutover before dual-write, decommission without cutover, a second move). */
export class StoreMovePhaseError extends Error {
  override readonly name = 'StoreMovePhaseError';
}

const TERMINAL: ReadonlySet<StoreMovePhase> = new Set(['decommissioned', 'rolled_back']);
/** How many tail batches a cutover, rollback or decommission runs before giving up for this message. */
const FINAL_TAIL_BATCHES = 50;

export interface StepResult {
  state: StoreMoveState;
  /** Whether another step has work to do now (the queue agent enqueues the next message). */
  more: boolean;
}

export class StoreMoveMigration {
  readonly #o: StoreMoveOptions;
  readonly #pageSize: number;
  readonly #now: () => Date;

  constructor(options: StoreMoveOptions) {
    this.#o = options;
    this.#pageSize = Math.max(1, Math.min(options.pageSize ?? 500, CHANGES_MAX));
    this.#now = options.now ?? (() => new Date());
  }

  async status(): Promise<StoreMoveState | undefined> {
    return (await this.#read()).state;
  }

  /** The old store's log entries not yet applied to the new one (or the reverse after cutover). */
  async lag(state: StoreMoveState): Promise<number> {
    if (state.phase === 'cut_over' && state.reverse_cursor !== null) {
      const reverse = Math.max(0, (await this.#o.stores[state.to].changeHead()) - state.reverse_cursor);
      const forward = Math.max(0, (await this.#o.stores[state.from].changeHead()) - state.cdc_cursor);
      return reverse + forward;
    }
    if (state.start_seq === null) return 0;
    return Math.max(0, (await this.#o.stores[state.from].changeHead()) - state.cdc_cursor);
  }

  /** Starts a move (`prepared`), or answers the running one when it is the same move (a redelivered start). */
  async start(input: {
    id: string;
    from: DocumentBackend;
    to: DocumentBackend;
    goal?: StoreMoveGoal;
    collections?: DocumentCollection[];
  }): Promise<StoreMoveState> {
    if (input.from === input.to)
      throw new StoreMovePhaseError(`store move ${input.id}: from and to are both ${input.from}`);
    const { state, raw } = await this.#read();
    if (state && !TERMINAL.has(state.phase)) {
      if (state.id === input.id) return state;
      throw new StoreMovePhaseError(`store move ${state.id} is ${state.phase}; finish or roll it back first`);
    }
    const { routing, raw: routingRaw } = await readDocumentRouting(this.#o.control);
    if (routing && routing.read !== input.from) {
      throw new StoreMovePhaseError(
        `store move ${input.id}: the tenant reads from ${routing.read}, not ${input.from}`,
      );
    }
    const collections = input.collections ?? [...DocumentCollectionName.options];
    let total = 0;
    for (const c of collections) total += await this.#o.stores[input.from].count(c, { includeDeleted: true });
    if (routing?.write.length !== 1) {
      await writeDocumentRouting(this.#o.control, routingRaw, {
        read: input.from,
        write: [input.from],
        migration_id: input.id,
      });
    }
    const at = this.#now().toISOString();
    const next: StoreMoveState = {
      kind: 'store-move',
      id: input.id,
      from: input.from,
      to: input.to,
      phase: 'prepared',
      goal: input.goal ?? 'dual_write',
      paused: false,
      collections,
      collection_index: 0,
      cursor: null,
      start_seq: null,
      cdc_cursor: 0,
      reverse_cursor: null,
      total,
      backfilled: 0,
      pages: 0,
      cdc_entries: 0,
      cdc_applied: 0,
      reverse_applied: 0,
      purged: 0,
      history: [{ phase: 'prepared', at }],
      updated_at: at,
    };
    return this.#write(raw, next);
  }

  /** One unit of work toward the goal. Nothing happens while paused or after the move ended. */
  async step(): Promise<StepResult> {
    const { state } = await this.#read();
    if (!state) throw new StoreMovePhaseError('no store move to step');
    if (state.paused || TERMINAL.has(state.phase)) return { state, more: false };
    switch (state.phase) {
      case 'prepared':
      case 'backfilling':
        return { state: await this.backfillPage(), more: true };
      case 'cdc': {
        const after = await this.tailBatch();
        if ((await this.lag(after)) > 0) return { state: after, more: true };
        return { state: await this.startDualWrite(), more: true };
      }
      case 'dual_write': {
        const after = await this.tailBatch();
        const lag = await this.lag(after);
        if (lag === 0 && after.goal !== 'dual_write') return { state: await this.cutover(), more: true };
        return { state: after, more: lag > 0 };
      }
      case 'cut_over': {
        if (state.goal === 'decommissioned') return { state: await this.decommission(), more: false };
        const after = await this.tailBatch();
        const lag = await this.lag(after);
        // Once caught up after the flip, one step compares both stores (the "documents verified" figure).
        if (lag === 0 && after.verification === undefined) return { state: await this.verify(), more: false };
        return { state: after, more: lag > 0 };
      }
    }
    return { state, more: false };
  }

  /** Copies one page of the backfill and moves the checkpoint; the first page records the CDC start. */
  async backfillPage(): Promise<StoreMoveState> {
    let { state, raw } = await this.#read();
    if (!state || (state.phase !== 'prepared' && state.phase !== 'backfilling')) {
      throw new StoreMovePhaseError(`backfill needs a prepared move, not ${state?.phase ?? 'none'}`);
    }
    if (state.start_seq === null) {
      // Before the first page is read: every change after this is tailed, so none made during the
      // backfill is lost, and one made before is in the page the backfill reads.
      const head = await this.#o.stores[state.from].changeHead();
      state = await this.#write(
        raw,
        this.#enter({ ...state, start_seq: head, cdc_cursor: head }, 'backfilling'),
      );
      raw = JSON.stringify(state);
    }
    const collection = state.collections[state.collection_index];
    if (collection === undefined) return this.#write(raw, this.#enter(state, 'cdc'));
    const page = await this.#o.stores[state.from].scanPage(collection, state.cursor, this.#pageSize);
    if (page.documents.length > 0) await this.#o.stores[state.to].upsertMany(collection, page.documents);
    this.#o.onProgress?.({ kind: 'backfill', documents: page.documents.length, entries: 0, lag: 0 });
    const last = page.next === null;
    let next: StoreMoveState = {
      ...state,
      backfilled: state.backfilled + page.documents.length,
      pages: state.pages + 1,
      collection_index: last ? state.collection_index + 1 : state.collection_index,
      cursor: last ? null : page.next,
    };
    if (next.collection_index >= next.collections.length) next = this.#enter(next, 'cdc');
    return this.#write(raw, next);
  }

  /** Runs the backfill to its end (the CLI and tests; the platform steps it one message per page). */
  async backfill(): Promise<StoreMoveState> {
    let state = await this.backfillPage();
    while (state.phase === 'backfilling' || state.phase === 'prepared') state = await this.backfillPage();
    return state;
  }

  /**
   * One batch of CDC: before cutover the old store's log into the new store; after, the new store's log
   * back into the old one (so a rollback finds it in step).
   */
  async tailBatch(): Promise<StoreMoveState> {
    const { state, raw } = await this.#read();
    if (!state || !['cdc', 'dual_write', 'cut_over'].includes(state.phase)) {
      throw new StoreMovePhaseError(`CDC needs a backfilled move, not ${state?.phase ?? 'none'}`);
    }
    let next = await this.#tail(state, state.phase === 'cut_over' ? 'reverse' : 'forward');
    // After the flip the old store's log is still tailed: a writer holding the routing from before
    // dual-write for the rest of its invocation (`routingOncePerInstance`) wrote the old store only. Entries
    // that only echo what the other direction copied change nothing (a merge of slots already held).
    if (state.phase === 'cut_over') next = await this.#tail(next, 'forward');
    return next === state ? state : this.#write(raw, next);
  }

  async startDualWrite(): Promise<StoreMoveState> {
    const { state, raw } = await this.#read();
    if (state?.phase === 'dual_write') return state;
    if (state?.phase !== 'cdc') {
      throw new StoreMovePhaseError(`dual-write needs the CDC phase, not ${state?.phase ?? 'none'}`);
    }
    const { raw: routingRaw } = await readDocumentRouting(this.#o.control);
    await writeDocumentRouting(this.#o.control, routingRaw, {
      read: state.from,
      write: [state.from, state.to],
      migration_id: state.id,
    });
    return this.#write(raw, this.#enter(state, 'dual_write'));
  }

  /** Flips reads to the new store. Resumable: a worker killed after the flip redoes it harmlessly. */
  async cutover(): Promise<StoreMoveState> {
    let { state, raw } = await this.#read();
    if (state?.phase === 'cut_over') return state;
    if (state?.phase !== 'dual_write') {
      throw new StoreMovePhaseError(`cutover needs dual-write, not ${state?.phase ?? 'none'}`);
    }
    state = await this.#drain(state, 'forward');
    if (state.reverse_cursor === null) {
      // Kept before the flip: everything the new store takes as primary comes after it.
      state = { ...state, reverse_cursor: await this.#o.stores[state.to].changeHead() };
    }
    state = await this.#write(raw, state);
    raw = JSON.stringify(state);
    const { raw: routingRaw } = await readDocumentRouting(this.#o.control);
    await writeDocumentRouting(this.#o.control, routingRaw, {
      read: state.to,
      write: [state.to, state.from],
      migration_id: state.id,
    });
    // Writers that read the routing before the flip wrote the old store only; their entries follow.
    state = await this.#drain(state, 'forward');
    return this.#write(raw, this.#enter(state, 'cut_over'));
  }

  /**
   * Compares both stores document by document and keeps the result in the state (after the CDC caught up,
   * so only writes racing the scans can differ, and those are read again). Any phase with both stores
   * filled: from `cdc` until decommission. With `repair`, what differs is made in the new store what it is
   * in the old one (the move's source), then compared again (`repaired` in the result).
   */
  async verify(options: { repair?: boolean } = {}): Promise<StoreMoveState> {
    const { state, raw } = await this.#read();
    if (!state || !['cdc', 'dual_write', 'cut_over'].includes(state.phase)) {
      throw new StoreMovePhaseError(`verification needs a backfilled move, not ${state?.phase ?? 'none'}`);
    }
    const verification = await verifyStoreMove(
      this.#o.stores[state.from],
      this.#o.stores[state.to],
      state.collections,
      this.#now,
      options,
    );
    // Written over whatever the steps moved meanwhile: only the verification is this call's.
    const { state: latest, raw: latestRaw } = await this.#read();
    const base = latest ?? state;
    return this.#write(latest ? latestRaw : raw, { ...base, verification });
  }

  /** After cutover only: the new store alone serves; the old store's collections are purged. */
  async decommission(): Promise<StoreMoveState> {
    let { state, raw } = await this.#read();
    if (state?.phase === 'decommissioned') return state;
    if (state?.phase !== 'cut_over') {
      throw new StoreMovePhaseError(`decommission needs cutover, not ${state?.phase ?? 'none'}`);
    }
    state = await this.#drain(state, 'forward');
    const { raw: routingRaw, routing } = await readDocumentRouting(this.#o.control);
    if (routing?.write.length !== 1) {
      await writeDocumentRouting(this.#o.control, routingRaw, {
        read: state.to,
        write: [state.to],
        migration_id: state.id,
      });
    }
    state = await this.#drain(state, 'forward');
    let purged = 0;
    for (const c of state.collections) purged += await this.#o.stores[state.from].purge(c);
    return this.#write(raw, this.#enter({ ...state, purged: state.purged + purged }, 'decommissioned'));
  }

  /** From any phase before decommission: the old store serves again, in step with what the new one took. */
  async rollback(): Promise<StoreMoveState> {
    let { state, raw } = await this.#read();
    if (!state) throw new StoreMovePhaseError('no store move to roll back');
    if (state.phase === 'rolled_back') return state;
    if (state.phase === 'decommissioned') {
      throw new StoreMovePhaseError(`store move ${state.id} was decommissioned; start a move back instead`);
    }
    const wasPrimary = state.reverse_cursor !== null;
    if (wasPrimary) state = await this.#drain(state, 'reverse');
    state = await this.#write(raw, state);
    raw = JSON.stringify(state);
    const { raw: routingRaw } = await readDocumentRouting(this.#o.control);
    await writeDocumentRouting(this.#o.control, routingRaw, {
      read: state.from,
      write: [state.from],
      migration_id: state.id,
    });
    // Writers still on the cut-over routing wrote the new store first; bring those over too.
    if (wasPrimary) state = await this.#drain(state, 'reverse');
    return this.#write(raw, this.#enter(state, 'rolled_back'));
  }

  async setPaused(paused: boolean): Promise<StoreMoveState> {
    const { state, raw } = await this.#read();
    if (!state) throw new StoreMovePhaseError('no store move to pause');
    return state.paused === paused ? state : this.#write(raw, { ...state, paused });
  }

  async setGoal(goal: StoreMoveGoal): Promise<StoreMoveState> {
    const { state, raw } = await this.#read();
    if (!state) throw new StoreMovePhaseError('no store move');
    return state.goal === goal ? state : this.#write(raw, { ...state, goal });
  }

  async #drain(state: StoreMoveState, direction: 'forward' | 'reverse'): Promise<StoreMoveState> {
    let current = state;
    for (let i = 0; i < FINAL_TAIL_BATCHES; i++) {
      const next = await this.#tail(current, direction);
      if (next === current) return current;
      current = next;
    }
    throw new StoreMovePhaseError(
      `store move ${state.id}: the ${direction} change log did not drain in ${FINAL_TAIL_BATCHES} batches; retry`,
    );
  }

  /** One batch; answers the same object when there was nothing to apply. */
  async #tail(state: StoreMoveState, direction: 'forward' | 'reverse'): Promise<StoreMoveState> {
    const [source, target] = direction === 'forward' ? [state.from, state.to] : [state.to, state.from];
    const cursor = direction === 'forward' ? state.cdc_cursor : (state.reverse_cursor ?? 0);
    const from = this.#o.stores[source];
    const to = this.#o.stores[target];
    const batch = await tailOnce(from, cursor, async (collection, ids) => {
      for (let i = 0; i < ids.length; i += GET_MANY_MAX) {
        const docs = await from.getMany(collection, ids.slice(i, i + GET_MANY_MAX));
        if (docs.length > 0) await to.upsertMany(collection, docs);
      }
    });
    if (batch.entries === 0) return state;
    const lag = Math.max(0, (await from.changeHead()) - batch.cursor);
    this.#o.onProgress?.({
      kind: direction === 'forward' ? 'cdc' : 'reverse',
      documents: batch.applied,
      entries: batch.entries,
      lag,
    });
    return direction === 'forward'
      ? {
          ...state,
          cdc_cursor: batch.cursor,
          cdc_entries: state.cdc_entries + batch.entries,
          cdc_applied: state.cdc_applied + batch.applied,
        }
      : { ...state, reverse_cursor: batch.cursor, reverse_applied: state.reverse_applied + batch.applied };
  }

  #enter(state: StoreMoveState, phase: StoreMovePhase): StoreMoveState {
    if (state.phase === phase) return state;
    return { ...state, phase, history: [...state.history, { phase, at: this.#now().toISOString() }] };
  }

  async #read(): Promise<{ state: StoreMoveState | undefined; raw: string | null }> {
    const raw = (await this.#o.control.readMeta(STORE_MOVE_KEY)) ?? null;
    return { state: raw === null ? undefined : StoreMoveState.parse(JSON.parse(raw)), raw };
  }

  async #write(raw: string | null, state: StoreMoveState): Promise<StoreMoveState> {
    const next = StoreMoveState.parse({ ...state, updated_at: this.#now().toISOString() });
    const text = JSON.stringify(next);
    if (text === raw) return next;
    if (!(await this.#o.control.compareAndSetMeta(STORE_MOVE_KEY, raw, text))) {
      throw new ControlConflictError(STORE_MOVE_KEY);
    }
    return next;
  }
}
