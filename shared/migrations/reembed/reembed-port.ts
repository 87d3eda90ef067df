/**
 * The `reembed` port: a tenant's re-embed as the reembedder agent and the admin routes drive it, one
 * idempotent call at a time. The migration's state and the vector routing live in the tenant's document
 * store (`jobs`), so any isolate resumes it; the current re-embed is the one the routing names.
 */
import type { DocumentChangeLog } from '../../effects/document-change-log.ts';
import type { DocumentStore } from '../../effects/document-store.ts';
import type { EmbeddingSpec, VectorCollection } from '../../effects/effect-ports.ts';
import { vectorCollectionName } from '../../effects/vector-schema.ts';
import type { Embedder, VectorSourceOf } from '../integrity/vector-source.ts';
import type { DataTarget } from '../target-marker.ts';
import {
  type ReembedGoal,
  ReembedMigration,
  ReembedPhaseError,
  type ReembedState,
  reembedStateId,
} from './reembed-migration.ts';
import { readRouting, routingId, type VectorRouting } from './vector-routing.ts';

export interface ReembedView {
  state: ReembedState;
  /** `messages` change-log entries the new collection has not had yet. */
  lag: number;
}

export interface ReembedPort {
  reembedStatus(): Promise<ReembedView | undefined>;
  /** The id of the current re-embed (the one the routing names): one read, no state load, no lag count. */
  reembedCurrent(): Promise<string | undefined>;
  /** Prepares a re-embed into a new collection pinned to `to`; a second start of the same id answers it. */
  reembedStart(o: { id: string; to: EmbeddingSpec; goal: ReembedGoal }): Promise<ReembedView>;
  /** One unit of work toward the goal; `more` says whether another step has work now. */
  reembedStep(): Promise<ReembedView & { more: boolean }>;
  /**
   * `reembedStep` for the queue's step message of re-embed `id`: undefined when the routing names another
   * re-embed (a chain left over from one rolled back and replaced). The routing and the state come in one
   * read, and the step runs on that state (each store round trip at a step's start leaves Chroma idle).
   */
  reembedStepIfCurrent(id: string): Promise<(ReembedView & { more: boolean }) | undefined>;
  reembedSetGoal(goal: ReembedGoal): Promise<ReembedView>;
  reembedRollback(): Promise<ReembedView>;
}

export interface ReembedPortOptions {
  scope: { provider: string; tenant: string };
  /** Where the state and the routing live (the same store `RoutedVectorStore` reads its routing from). */
  documents: DocumentStore;
  /** The change log of the store that takes the tenant's writes first. */
  changeLog: () => Pick<DocumentChangeLog, 'changeHead' | 'changesAfter'>;
  /** The Chroma server the tenant's collections live on. */
  chromaUrl: string;
  /** An embedder answering with exactly `spec` (the pin is asserted on every answer). */
  embedderFor: (spec: EmbeddingSpec) => Embedder;
  /** The pin of the tenant's default collection, when no routing was ever written. */
  currentPin: () => Promise<EmbeddingSpec | undefined>;
  sourceOf: VectorSourceOf;
  target: DataTarget;
  collection?: VectorCollection;
  pageSize?: number;
  /** Backfill pages one step writes (`ReembedOptions.pagesPerStep`). */
  pagesPerStep?: number;
  now?: () => Date;
}

export function reembedPort(o: ReembedPortOptions): ReembedPort {
  const collection = o.collection ?? 'messages';
  const build = (id: string, from: ReembedState['from'], to: ReembedState['to']) =>
    new ReembedMigration({
      documents: o.documents,
      chromaUrl: o.chromaUrl,
      scope: o.scope,
      collection,
      id,
      from,
      to,
      embedNew: o.embedderFor(to.spec),
      embedOld: o.embedderFor(from.spec),
      sourceOf: o.sourceOf,
      target: o.target,
      changeLog: o.changeLog(),
      ...(o.pageSize !== undefined && { pageSize: o.pageSize }),
      ...(o.pagesPerStep !== undefined && { pagesPerStep: o.pagesPerStep }),
      ...(o.now && { now: o.now }),
    });
  const current = async () => {
    const id = (await readRouting(o.documents, collection))?.migration_id;
    if (id === undefined) return undefined;
    const state = await ReembedMigration.load(o.documents, collection, id);
    return state ? { state, migration: build(id, state.from, state.to) } : undefined;
  };
  const required = async () => {
    const found = await current();
    if (!found) throw new ReembedPhaseError(`tenant ${o.scope.provider}/${o.scope.tenant} has no re-embed`);
    return found;
  };
  const view = async (m: ReembedMigration, state: ReembedState) => ({ state, lag: await m.lag(state) });
  return {
    async reembedStatus() {
      const found = await current();
      return found ? view(found.migration, found.state) : undefined;
    },
    async reembedCurrent() {
      return (await readRouting(o.documents, collection))?.migration_id;
    },
    async reembedStart({ id, to, goal }) {
      const found = await current();
      if (found?.state.id === id) return view(found.migration, found.state);
      if (found && !['decommissioned', 'rolled_back'].includes(found.state.phase)) {
        throw new ReembedPhaseError(
          `re-embed ${found.state.id} is ${found.state.phase}: finish or roll it back first`,
        );
      }
      const routing = await readRouting(o.documents, collection);
      const base = vectorCollectionName(o.scope.provider, o.scope.tenant, collection);
      const fromSpec = routing?.read.spec ?? (await o.currentPin());
      if (!fromSpec) throw new ReembedPhaseError(`${base} does not exist: there is nothing to re-embed`);
      const from = routing?.read ?? { name: base, spec: fromSpec };
      if (from.spec.model === to.model && from.spec.dimension === to.dimension) {
        throw new ReembedPhaseError(`${from.name} is already pinned to ${to.model}/${to.dimension}`);
      }
      const m = build(id, from, { name: `${base}__${id}`, spec: to });
      return view(m, await m.prepare(goal));
    },
    async reembedStep() {
      const { migration } = await required();
      const { state, more } = await migration.step();
      return { ...(await view(migration, state)), more };
    },
    async reembedStepIfCurrent(id) {
      const ids = [routingId(collection), reembedStateId(collection, id)] as const;
      const docs = await o.documents.getMany('jobs', ids);
      const slot = (foreignId: string, name: string) =>
        docs.find((d) => d.foreign_id === foreignId)?.slots[name]?.value;
      const routing = slot(ids[0], 'routing') as VectorRouting | undefined;
      if (routing?.migration_id !== id) return undefined;
      const state = slot(ids[1], 'state') as ReembedState | undefined;
      if (!state) throw new ReembedPhaseError(`tenant ${o.scope.provider}/${o.scope.tenant} has no re-embed`);
      const migration = build(id, state.from, state.to);
      const { state: next, more } = await migration.step(state);
      return { ...(await view(migration, next)), more };
    },
    async reembedSetGoal(goal) {
      const { migration } = await required();
      return view(migration, await migration.setGoal(goal));
    },
    async reembedRollback() {
      const { migration } = await required();
      return view(migration, await migration.rollback());
    },
  };
}
