/**
 * Golden tests: `fixtures/in/<case>.json` (seed state + one envelope) runs through an agent on a
 * recording runtime and must produce exactly `fixtures/out/<case>.json` (outcome, published
 * envelopes, policy calls, resulting documents, and — when an agent used them — the tenant's vectors
 * and blobs). `UPDATE_GOLDEN=1` rewrites the out files.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryPlayback } from '@promethean/functions/agents/voice-mixer/memory-playback';
import type { PlayItem } from '@promethean/functions/agents/voice-mixer/playback-sequencer';
import type { Agent } from '@promethean/shared/agent/agent-definition';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import type { DocumentCollection, StoredDocument } from '@promethean/shared/effects/document-store';
import type { VectorCollection } from '@promethean/shared/effects/effect-ports';
import type { TenantStatusSummary } from '@promethean/shared/ops/status-snapshot';
import {
  type FixtureResponse,
  type GoldenBlobSnapshot,
  type GoldenCrawlPass,
  GoldenPorts,
  type GoldenVectorSnapshot,
  type SeedBlob,
  type SeedVector,
} from './golden-ports.ts';
import { recordingRuntime } from './recording-runtime.ts';

export interface GoldenInput {
  description: string;
  /** Documents present before the envelope is handled. */
  seed?: Partial<Record<DocumentCollection, StoredDocument[]>>;
  /** Envelopes handled before the one under test (their outputs are not part of the result). */
  before?: unknown[];
  envelope: unknown;
  /** Vectors present before, for the envelope's tenant; embedded with the run's (offline) model. */
  seed_vectors?: Partial<Record<VectorCollection, SeedVector[]>>;
  /** What the attachment egress's fetch answers, by exact URL (the SSRF guard still checks every URL). */
  http?: Record<string, FixtureResponse>;
  /** Blobs present before, for the envelope's tenant, by key. */
  seed_blobs?: Record<string, SeedBlob>;
  /** What the status port (`ops.read`) answers for the envelope's tenant. */
  status?: TenantStatusSummary;
}

export interface GoldenOutput {
  outcome: string;
  error_code?: string;
  /** The delay a retry asked for, when it asked for one. */
  retry_after_ms?: number;
  published: unknown[];
  policy: unknown[];
  documents: Partial<Record<DocumentCollection, StoredDocument[]>>;
  /** The envelope tenant's vector collections, when any was pinned or written. */
  vectors?: Partial<Record<VectorCollection, GoldenVectorSnapshot>>;
  /** The envelope tenant's blobs, when any was stored. */
  blobs?: GoldenBlobSnapshot[];
  /** Chunks the voice playback port handed to the voice host, in order, when any was. */
  playback?: PlayItem[];
  /** Passes counted on crawl jobs (`crawl.passed`), in order, when any was. */
  crawl_passes?: GoldenCrawlPass[];
}

const COLLECTIONS: DocumentCollection[] = ['messages', 'attachments', 'jobs', 'voice', 'config', 'pages'];

/** The case names under `<dir>/fixtures/in`. */
export function goldenCases(agentDir: string): string[] {
  const dir = join(agentDir, 'fixtures', 'in');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

function startTime(envelope: unknown): number {
  const ts = (envelope as { ts?: unknown } | null)?.ts;
  return typeof ts === 'string' && !Number.isNaN(Date.parse(ts)) ? Date.parse(ts) : Date.UTC(2026, 0, 1);
}

/** The provider and tenant an envelope names, when it names them. */
function scopeOf(envelope: unknown): { provider: string; tenant: string } | undefined {
  const e = envelope as { provider?: unknown; tenant?: unknown } | null;
  return typeof e?.provider === 'string' && typeof e.tenant === 'string'
    ? { provider: e.provider, tenant: e.tenant }
    : undefined;
}

/** Runs one case and returns what it produced. */
export async function runGoldenCase(agent: Agent, input: GoldenInput): Promise<GoldenOutput> {
  const golden = new GoldenPorts(input.http);
  const status = input.status;
  const start = startTime(input.envelope);
  const playback = new MemoryPlayback({ now: () => start });
  const rt = recordingRuntime(start, (view) => ({
    ...golden.forTenant(view),
    migrations: golden.migrations(view, rt.documents, () => new Date(start)),
    playback,
    ...(status && { status: { tenantStatus: async () => structuredClone(status) } }),
  }));
  const scope = scopeOf(input.envelope);
  for (const c of COLLECTIONS) await rt.documents.upsertMany(c, input.seed?.[c] ?? []);
  if (scope && input.seed_vectors) await golden.seed(scope.provider, scope.tenant, input.seed_vectors);
  if (scope && input.seed_blobs) await golden.seedBlobs(scope.provider, scope.tenant, input.seed_blobs);
  for (const earlier of input.before ?? []) await invokeAgent(agent, earlier, rt.deps);
  const deliveredBefore = playback.delivered.length;
  if (scope) golden.vectors(scope.provider, scope.tenant).writes.length = 0;
  rt.recorder.published.length = 0;
  golden.crawlPasses.length = 0;
  const seen = new Set(rt.sink.records.map((r) => r.runtime_id));
  const result = await invokeAgent(agent, input.envelope, rt.deps);
  const documents: GoldenOutput['documents'] = {};
  for (const c of COLLECTIONS) {
    const docs = await rt.documents.find(c, {}, { includeDeleted: true });
    if (docs.length > 0) documents[c] = docs;
  }
  const lastRuntime = rt.sink.records.map((r) => r.runtime_id).find((id) => !seen.has(id));
  const vectors = scope ? await golden.vectorSnapshot(scope.provider, scope.tenant) : {};
  const blobs = scope ? await golden.blobSnapshot(scope.provider, scope.tenant) : [];
  return {
    outcome: result.outcome,
    ...(result.outcome === 'failed' && { error_code: result.code }),
    // A retry's code says whether it counts against max_retries ('overloaded' is deferred, never counted).
    ...(result.outcome === 'retry' && {
      error_code: result.code,
      ...(result.delayMs !== undefined && { retry_after_ms: result.delayMs }),
    }),
    published: rt.recorder.published,
    policy: policyCallsOf(rt, lastRuntime),
    documents,
    ...(Object.keys(vectors).length > 0 && { vectors }),
    ...(blobs.length > 0 && { blobs }),
    ...(playback.delivered.length > deliveredBefore && {
      playback: playback.delivered.slice(deliveredBefore),
    }),
    ...(golden.crawlPasses.length > 0 && { crawl_passes: golden.crawlPasses }),
  };
}

function policyCallsOf(rt: ReturnType<typeof recordingRuntime>, runtimeId: string | undefined): unknown[] {
  return rt.sink.records.filter((r) => r.runtime_id === runtimeId && r.msg === 'policy').map((r) => r.call);
}

/** Reads a case's input and expected output; writes the output instead when UPDATE_GOLDEN=1. */
export async function checkGoldenCase(
  agent: Agent,
  agentDir: string,
  name: string,
): Promise<{ actual: GoldenOutput; expected: GoldenOutput }> {
  const input = JSON.parse(
    readFileSync(join(agentDir, 'fixtures', 'in', `${name}.json`), 'utf8'),
  ) as GoldenInput;
  const actual = JSON.parse(JSON.stringify(await runGoldenCase(agent, input))) as GoldenOutput;
  const outPath = join(agentDir, 'fixtures', 'out', `${name}.json`);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(outPath)) {
    if (process.env.CI)
      throw new Error(`golden output ${outPath} is missing; run UPDATE_GOLDEN=1 locally and review it`);
    writeFileSync(outPath, `${JSON.stringify(actual, null, 2)}\n`);
  }
  const expected = JSON.parse(readFileSync(outPath, 'utf8')) as GoldenOutput;
  return { actual, expected };
}
