/**
 * The `storage.migrations` port: a tenant's store move as an agent drives it, one idempotent call at a
 * time (the migration's state and routing live in the tenant's control store, so any isolate resumes it).
 */
import type { ControlStore } from '../control-store.ts';
import { type DocumentBackend, readDocumentRouting } from './document-routing.ts';
import {
  type StoreMoveGoal,
  StoreMoveMigration,
  type StoreMoveState,
  type StoreWithLog,
} from './store-move-migration.ts';

export interface StoreMoveView {
  state: StoreMoveState;
  /** Change-log entries not yet applied (see `StoreMoveMigration.lag`). */
  lag: number;
}

export interface MigrationPort {
  storeMoveStatus(): Promise<StoreMoveView | undefined>;
  /** Starts a move from the store that serves reads now; a second start of the same id answers its state. */
  storeMoveStart(o: { id: string; to: DocumentBackend; goal: StoreMoveGoal }): Promise<StoreMoveView>;
  /** One unit of work toward the goal; `more` says whether another step has work now. */
  storeMoveStep(o?: { pageSize?: number }): Promise<StoreMoveView & { more: boolean }>;
}

export interface StoreMovePortOptions {
  control: ControlStore;
  /** Built on first use: most invocations of an agent holding the port never touch it. */
  stores: () => Record<DocumentBackend, StoreWithLog>;
  /** The backend providers.yml gives the tenant (what serves reads when there is no routing). */
  configured: DocumentBackend;
  now?: () => Date;
}

export function storeMovePort(o: StoreMovePortOptions): MigrationPort {
  const migration = (pageSize?: number) =>
    new StoreMoveMigration({
      control: o.control,
      stores: o.stores(),
      ...(pageSize !== undefined && { pageSize }),
      ...(o.now && { now: o.now }),
    });
  const view = async (m: StoreMoveMigration, state: StoreMoveState) => ({ state, lag: await m.lag(state) });
  return {
    async storeMoveStatus() {
      const m = migration();
      const state = await m.status();
      return state ? view(m, state) : undefined;
    },
    async storeMoveStart({ id, to, goal }) {
      const m = migration();
      const existing = await m.status();
      if (existing?.id === id) return view(m, existing);
      const from = (await readDocumentRouting(o.control)).routing?.read ?? o.configured;
      return view(m, await m.start({ id, from, to, goal }));
    },
    async storeMoveStep(options = {}) {
      const m = migration(options.pageSize);
      const { state, more } = await m.step();
      return { ...(await view(m, state)), more };
    },
  };
}
