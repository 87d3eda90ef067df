/**
 * `npm run migrate -- --target test|working (--up latest|<version> | --verify-only [--repair] | --dry-run)`
 * Migrates every tenant database on MONGODB_URI (and its Chroma collections on CHROMA_URL), behind the
 * interlocks: MIGRATION_TARGET must equal --target and each database's marker; working needs
 * MIGRATION_CONFIRM=I_ACKNOWLEDGE_WORKING_MUTATION. Writes a JSON and a Markdown report per run; exits 1
 * on a refused interlock, drift or a failed step. See docs/data/migration-pipeline.md.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ChromaClient } from 'chromadb';
import { MongoClient } from 'mongodb';
import { messageVectorSource } from '../functions/agents/message-embedder/message-vector-source.ts';
import { createModelPort } from '../functions/models/model-port-factory.ts';
import { chromaClientArgs } from '../shared/effects/chroma-vector-store.ts';
import { integrityVerifier } from '../shared/migrations/integrity/integrity-verifier.ts';
import { migrationReportMarkdown } from '../shared/migrations/migration-report.ts';
import { runMigrations } from '../shared/migrations/migration-runner.ts';
import { LATEST_VERSION, MIGRATION_STEPS } from '../shared/migrations/migration-steps.ts';
import { ProgressBar } from '../shared/migrations/progress-bar.ts';
import { MigrationInterlockError } from '../shared/migrations/target-marker.ts';

const USAGE =
  'usage: npm run migrate -- --target test|working (--up latest|<version> | --verify-only [--repair] | --dry-run) ' +
  '[--allow-contract-drift] [--database <name>] [--report-dir <dir>] [--uri <mongodb uri>] [--chroma <url>]';

function gitSha(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      target: { type: 'string' },
      up: { type: 'string' },
      'verify-only': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      repair: { type: 'boolean' },
      'allow-contract-drift': { type: 'boolean' },
      database: { type: 'string' },
      'report-dir': { type: 'string' },
      uri: { type: 'string' },
      chroma: { type: 'string' },
    },
  });
  const modes = [values.up !== undefined, values['verify-only'] === true, values['dry-run'] === true];
  if (!values.target || modes.filter(Boolean).length > 1 || (values.repair && !values['verify-only'])) {
    console.error(USAGE);
    return 2;
  }
  const upTo = values.up === undefined || values.up === 'latest' ? LATEST_VERSION : Number(values.up);
  if (!Number.isInteger(upTo) || upTo < 0) {
    console.error(`--up must be latest or a version number, not ${values.up}\n${USAGE}`);
    return 2;
  }
  const uri = values.uri ?? process.env.MONGODB_URI;
  if (!uri) {
    console.error('MONGODB_URI (or --uri) must name the MongoDB server to migrate');
    return 2;
  }
  const chromaUrl = values.chroma ?? process.env.CHROMA_URL;
  const mode = values['verify-only'] ? 'verify-only' : values['dry-run'] ? 'dry-run' : 'up';
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 10_000 });
  const chroma = chromaUrl ? new ChromaClient(chromaClientArgs(chromaUrl)) : undefined;
  const bar = new ProgressBar();
  const progress = (label: string, done: number, total: number) =>
    process.stderr.write(`\r${bar.line(label, done, total)}${done >= total ? '\n' : ''}`);
  const runId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
  try {
    const report = await runMigrations({
      client,
      uri,
      ...(chroma && { chroma }),
      steps: MIGRATION_STEPS,
      requestedTarget: values.target,
      env: process.env,
      mode,
      upTo,
      allowContractDrift: values['allow-contract-drift'] === true,
      ...(values.database && { databaseFilter: (n: string) => n === values.database }),
      runId,
      gitSha: gitSha(),
      onProgress: progress,
      ...(mode === 'verify-only' &&
        chroma && {
          verify: integrityVerifier({
            chroma,
            embed: (texts) => createModelPort(process.env).embed(texts),
            sourceOf: messageVectorSource,
            target: values.target === 'working' ? 'working' : 'test',
            repair: values.repair === true,
            onProgress: progress,
          }),
        }),
    });
    const dir = values['report-dir'] ?? 'migration-reports';
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${runId}.json`), `${JSON.stringify(report, null, 2)}\n`);
    await writeFile(join(dir, `${runId}.md`), migrationReportMarkdown(report));
    for (const db of report.databases) {
      const steps = db.steps.map((s) => `${s.version}_${s.name}:${s.status}`).join(' ') || 'nothing to apply';
      console.log(`${db.database} (${db.marker}): ${steps}${db.error ? ` — ${db.error}` : ''}`);
    }
    console.log(`report: ${join(dir, `${runId}.json`)} and .md — ${report.ok ? 'ok' : 'FAILED'}`);
    console.log(JSON.stringify({ run_id: runId, ok: report.ok, mode, databases: report.databases.length }));
    return report.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof MigrationInterlockError) {
      console.error(`refused (${error.check}): ${error.message}`);
      return 1;
    }
    throw error;
  } finally {
    await client.close();
  }
}

process.exitCode = await main();
