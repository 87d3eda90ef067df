/**
 * Test vs working databases. Every database the project creates carries a target marker, `test` or
 * `working`; tests refuse any store not marked `test`, and migrations refuse unless `MIGRATION_TARGET`
 * names the marker (and, for `working`, `MIGRATION_CONFIRM` holds the exact acknowledgement).
 */
import { z } from 'zod';

export const DataTarget = z.enum(['test', 'working']);
export type DataTarget = z.infer<typeof DataTarget>;

/** What `MIGRATION_CONFIRM` must hold, exactly, before anything mutates a working database. */
export const WORKING_CONFIRMATION = 'I_ACKNOWLEDGE_WORKING_MUTATION';

/** What a store reports when it carries no marker (created before markers, or by someone else). */
export type ObservedMarker = DataTarget | 'unmarked';

/** A configured target name that is neither `test` nor `working`. */
export class InvalidDataTargetError extends Error {
  override readonly name = 'InvalidDataTargetError';
  constructor(
    readonly variable: string,
    readonly value: string,
  ) {
    super(`${variable} must be "test" or "working", not "${value}"`);
  }
}

/** Parses a configured target (`DATA_TARGET`, `MIGRATION_TARGET`, `--target`). */
export function parseDataTarget(value: string, variable: string): DataTarget {
  const parsed = DataTarget.safeParse(value);
  if (!parsed.success) throw new InvalidDataTargetError(variable, value);
  return parsed.data;
}

/** Tests were pointed at a store that is not marked `test`. */
export class TestTargetRefusedError extends Error {
  override readonly name = 'TestTargetRefusedError';
  constructor(
    readonly store: string,
    readonly marker: ObservedMarker,
  ) {
    super(
      `refusing to run tests against ${store}: its target marker is "${marker}", not "test". Tests only ever ` +
        'touch databases marked test (the servers the test setup starts are). Unset MONGODB_URI, or point it ' +
        'at a disposable server whose promethean_meta.markers {_id: "target"} says "test".',
    );
  }
}

/** Throws `TestTargetRefusedError` unless the store is marked `test`. */
export function assertTestTarget(store: string, marker: ObservedMarker): void {
  if (marker !== 'test') throw new TestTargetRefusedError(store, marker);
}

/** A migration interlock refused: which check, and what it saw. */
export class MigrationInterlockError extends Error {
  override readonly name = 'MigrationInterlockError';
  constructor(
    readonly check: 'migration-target' | 'target-mismatch' | 'marker-mismatch' | 'working-confirmation',
    message: string,
  ) {
    super(message);
  }
}

export interface InterlockInput {
  /** The `--target` flag. */
  requested: string | undefined;
  /** `process.env` (reads `MIGRATION_TARGET`, `MIGRATION_CONFIRM`). */
  env: Record<string, string | undefined>;
  /** The store's marker and a printable name for it (credentials already removed). */
  marker: ObservedMarker;
  store: string;
}

/**
 * Refuses unless `MIGRATION_TARGET` is set, agrees with `--target`, equals the store's marker (an unmarked
 * store counts as `working`: nothing proves it disposable), and, for working, the confirmation is exact.
 */
export function checkMigrationInterlock(input: InterlockInput): DataTarget {
  const raw = input.env.MIGRATION_TARGET;
  if (raw === undefined || raw === '') {
    throw new MigrationInterlockError(
      'migration-target',
      'MIGRATION_TARGET is not set: set it to test or working (the marker of the database you mean to change)',
    );
  }
  const target = DataTarget.safeParse(raw);
  if (!target.success) {
    throw new MigrationInterlockError(
      'migration-target',
      `MIGRATION_TARGET must be test or working, not "${raw}"`,
    );
  }
  if (input.requested !== undefined && input.requested !== target.data) {
    throw new MigrationInterlockError(
      'target-mismatch',
      `--target ${input.requested} disagrees with MIGRATION_TARGET=${target.data}: both must name the same target`,
    );
  }
  const effective = input.marker === 'unmarked' ? 'working' : input.marker;
  if (effective !== target.data) {
    throw new MigrationInterlockError(
      'marker-mismatch',
      `${input.store} is marked "${input.marker}"${input.marker === 'unmarked' ? ' (treated as working)' : ''} ` +
        `but MIGRATION_TARGET=${target.data}: refusing`,
    );
  }
  if (target.data === 'working' && input.env.MIGRATION_CONFIRM !== WORKING_CONFIRMATION) {
    throw new MigrationInterlockError(
      'working-confirmation',
      `${input.store} is a working database: set MIGRATION_CONFIRM=${WORKING_CONFIRMATION} exactly to change it`,
    );
  }
  return target.data;
}

/** A connection string without its password, for messages and reports. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
