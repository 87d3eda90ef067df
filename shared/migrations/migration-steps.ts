/** Every migration step, in version order. Append new `steps/NNNN_name.ts` files here; never renumber. */
import type { MigrationStep } from './migration-step.ts';
import { step0001TargetMarker } from './steps/0001_target_marker.ts';
import { step0002ContractIndexes } from './steps/0002_contract_indexes.ts';
import { step0003VectorCollectionMetadata } from './steps/0003_vector_collection_metadata.ts';

export const MIGRATION_STEPS: readonly MigrationStep[] = [
  step0001TargetMarker,
  step0002ContractIndexes,
  step0003VectorCollectionMetadata,
];

export const LATEST_VERSION = Math.max(...MIGRATION_STEPS.map((s) => s.version));
