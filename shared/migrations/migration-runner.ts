/**
 * The migration runner behind `npm run migrate`: for every tenant database on a MongoDB server, check the
 * interlocks (all databases first, before anything changes), check the contracts (pre-flight), apply the
 * pending versioned steps up to the requested version and record each in `promethean_migrations`, then check
 * the contracts again (post-flight). `--dry-run` plans without changing; `--verify-only` only checks.
 */
import type { ChromaClient } from 'chromadb';
import type { Db, MongoClient } from 'mongodb';
import { dataContracts } from './contracts/contract-catalog.ts';
import type { ContractDiffEntry, DocumentCollectionContract } from './contracts/data-contract.ts';
import { validateMongoDatabase } from './contracts/mongo-contract-validator.ts';
import type { MigrationStep, StepContext } from './migration-step.ts';
import { readMongoMarker, SERVER_MARKER_DATABASE } from './mongo-target-marker.ts';
import {
  checkMigrationInterlock,
  type DataTarget,
  MigrationInterlockError,
  type ObservedMarker,
  redactUri,
  WORKING_CONFIRMATION,
} from './target-marker.ts';

export const APPLIED_COLLECTION = 'promethean_migrations';

export interface AppliedVersion {
  _id: number;
  name: string;
  git_sha: string;
  run_id: string;
  started_at: string;
  finished_at: string;
  changed: number;
}

export interface StepReport {
  version: number;
  name: string;
  status: 'applied' | 'planned';
  changed: number;
  notes: string[];
  seconds: number;
}

export interface DatabaseReport {
  database: string;
  marker: ObservedMarker;
  scope: { provider: string; tenant: string } | undefined;
  applied_before: number[];
  steps: StepReport[];
  preflight: ContractDiffEntry[];
  postflight: ContractDiffEntry[];
  /** Filled by the caller's verify step (the integrity report), when it ran. */
  extra?: Record<string, unknown>;
  error?: string;
}

export interface MigrationRunReport {
  run_id: string;
  git_sha: string;
  target: DataTarget;
  mode: 'up' | 'dry-run' | 'verify-only';
  up_to: number;
  started_at: string;
  finished_at: string;
  ok: boolean;
  databases: DatabaseReport[];
}

export interface MigrationRunOptions {
  client: MongoClient;
  uri: string;
  chroma?: ChromaClient;
  steps: readonly MigrationStep[];
  /** `--target`. */
  requestedTarget: string | undefined;
  env: Record<string, string | undefined>;
  mode: 'up' | 'dry-run' | 'verify-only';
  /** Highest version to apply (`latest` = the last step's). */
  upTo: number;
  allowContractDrift?: boolean;
  /** Only databases whose names pass (default: every `promethean_*` tenant database). */
  databaseFilter?: (name: string) => boolean;
  runId: string;
  gitSha: string;
  now?: () => Date;
  /** Step progress, for the CLI's bar. */
  onProgress?: (label: string, done: number, total: number) => void;
  /** Runs after post-flight on each database (the integrity report in `--verify-only`); its result lands in `extra`. */
  verify?: (
    db: Db,
    scope: DatabaseReport['scope'],
  ) => Promise<{ ok: boolean; extra: Record<string, unknown> }>;
}

const DOCUMENT_CONTRACTS = [...dataContracts().values()].filter(
  (c): c is DocumentCollectionContract => c.kind === 'document-collection',
);

/** Tenant databases: `promethean_*` except the server marker's own. */
export async function tenantDatabases(
  client: MongoClient,
  filter?: (name: string) => boolean,
): Promise<string[]> {
  const { databases } = await client.db('admin').admin().listDatabases({ nameOnly: true });
  return databases
    .map((d) => d.name)
    .filter((n) => n.startsWith('promethean_') && n !== SERVER_MARKER_DATABASE && (filter?.(n) ?? true))
    .sort();
}

async function scopeOf(db: Db): Promise<DatabaseReport['scope']> {
  for (const contract of DOCUMENT_CONTRACTS) {
    const record = await db
      .collection<{ provider: string; tenant: string }>(contract.collection)
      .findOne({}, { projection: { provider: 1, tenant: 1 } });
    if (record) return { provider: record.provider, tenant: record.tenant };
  }
  return undefined;
}

/** Runs the migration; throws `MigrationInterlockError` before any change when an interlock refuses. */
export async function runMigrations(options: MigrationRunOptions): Promise<MigrationRunReport> {
  const now = options.now ?? (() => new Date());
  const started = now().toISOString();
  const names = await tenantDatabases(options.client, options.databaseFilter);
  if (options.allowContractDrift && options.env.MIGRATION_CONFIRM !== WORKING_CONFIRMATION) {
    throw new MigrationInterlockError(
      'working-confirmation',
      `--allow-contract-drift needs MIGRATION_CONFIRM=${WORKING_CONFIRMATION} exactly`,
    );
  }
  // Every interlock before any change: one refused database stops the whole run.
  const markers = new Map<string, ObservedMarker>();
  let target: DataTarget | undefined;
  for (const name of names) {
    const marker = await readMongoMarker(options.client.db(name));
    markers.set(name, marker);
    target = checkMigrationInterlock({
      requested: options.requestedTarget,
      env: options.env,
      marker,
      store: `${redactUri(options.uri)} database ${name}`,
    });
  }
  target ??= checkMigrationInterlock({
    requested: options.requestedTarget,
    env: options.env,
    marker: options.requestedTarget === 'test' ? 'test' : 'working',
    store: redactUri(options.uri),
  });
  const report: MigrationRunReport = {
    run_id: options.runId,
    git_sha: options.gitSha,
    target,
    mode: options.mode,
    up_to: options.upTo,
    started_at: started,
    finished_at: started,
    ok: true,
    databases: [],
  };
  for (const name of names) {
    const db = options.client.db(name);
    const entry = await migrateDatabase(db, markers.get(name) ?? 'unmarked', target, options, now);
    report.databases.push(entry);
    if (entry.error) report.ok = false;
  }
  report.finished_at = now().toISOString();
  return report;
}

async function migrateDatabase(
  db: Db,
  marker: ObservedMarker,
  target: DataTarget,
  options: MigrationRunOptions,
  now: () => Date,
): Promise<DatabaseReport> {
  const applied = db.collection<AppliedVersion>(APPLIED_COLLECTION);
  const done = new Set((await applied.find({}).toArray()).map((a) => a._id));
  const scope = await scopeOf(db);
  const entry: DatabaseReport = {
    database: db.databaseName,
    marker,
    scope,
    applied_before: [...done].sort((a, b) => a - b),
    steps: [],
    preflight: await validateMongoDatabase(db, DOCUMENT_CONTRACTS),
    postflight: [],
  };
  if (options.mode === 'up' && entry.preflight.length > 0 && !options.allowContractDrift) {
    entry.error = `pre-flight: ${entry.preflight.length} contract difference(s); fix them or pass --allow-contract-drift`;
    return entry;
  }
  const pending = options.steps.filter((s) => s.version <= options.upTo && !done.has(s.version));
  for (const step of options.mode === 'verify-only' ? [] : pending) {
    if (options.mode === 'dry-run') {
      entry.steps.push({
        version: step.version,
        name: step.name,
        status: 'planned',
        changed: 0,
        notes: [],
        seconds: 0,
      });
      continue;
    }
    const begun = now();
    const ctx: StepContext = {
      db,
      scope,
      chroma: options.chroma,
      target,
      progress: (d, t) => options.onProgress?.(`${db.databaseName} ${step.version}_${step.name}`, d, t),
    };
    try {
      const outcome = await step.up(ctx);
      const finished = now();
      await applied.replaceOne(
        { _id: step.version },
        {
          name: step.name,
          git_sha: options.gitSha,
          run_id: options.runId,
          started_at: begun.toISOString(),
          finished_at: finished.toISOString(),
          changed: outcome.changed,
        },
        { upsert: true },
      );
      entry.steps.push({
        version: step.version,
        name: step.name,
        status: 'applied',
        changed: outcome.changed,
        notes: outcome.notes,
        seconds: (finished.getTime() - begun.getTime()) / 1000,
      });
    } catch (error) {
      entry.error = `step ${step.version}_${step.name}: ${error instanceof Error ? error.message : String(error)}`;
      return entry;
    }
  }
  entry.postflight = await validateMongoDatabase(db, DOCUMENT_CONTRACTS);
  if (entry.postflight.length > 0 && options.mode !== 'dry-run') {
    entry.error = `post-flight: ${entry.postflight.length} contract difference(s)`;
  }
  if (options.verify) {
    const verified = await options.verify(db, scope);
    entry.extra = verified.extra;
    if (!verified.ok) entry.error ??= 'integrity: drift found';
  }
  return entry;
}
