/** One versioned, idempotent migration step (`shared/migrations/steps/NNNN_name.ts`) and what it is given. */
import type { ChromaClient } from 'chromadb';
import type { Db } from 'mongodb';
import type { DataTarget } from './target-marker.ts';

export interface StepContext {
  /** The tenant database being migrated. */
  db: Db;
  /** The tenant's provider and tenant (read from its records), when it has any. */
  scope: { provider: string; tenant: string } | undefined;
  /** Chroma, when the run was given one. */
  chroma: ChromaClient | undefined;
  /** The target the interlock confirmed for this database. */
  target: DataTarget;
  /** Reports progress of a long step (the CLI draws a bar with rate and ETA). */
  progress(done: number, total: number): void;
}

export interface StepOutcome {
  /** How many things the step changed (0 on a rerun: steps are idempotent). */
  changed: number;
  notes: string[];
}

export interface MigrationStep {
  /** The `NNNN` of the file name; steps run in this order and are recorded by it. */
  version: number;
  name: string;
  description: string;
  /** Applies the step; running it again on a migrated database changes nothing. */
  up(ctx: StepContext): Promise<StepOutcome>;
}
