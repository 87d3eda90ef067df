/**
 * The integrity report for one tenant's vector collection against its document store (the source of
 * truth): counts, orphans both ways, the collection's pin against the expected model and dimension, range
 * checksums of `[id, text, metadata, model, dim]` bisected down to the differing ids, and spot-checks that
 * re-embed a sample and compare vectors. `repairIntegrity` fixes what a report found, from the documents.
 */
import type { Collection } from 'chromadb';
import {
  CHUNKER_KEY,
  PIN_DIMENSION_KEY,
  PIN_MODEL_KEY,
  TARGET_KEY,
} from '../../effects/chroma-vector-store.ts';
import type { StoredDocument } from '../../effects/document-store.ts';
import type { EmbeddingSpec, VectorRecord } from '../../effects/effect-ports.ts';
import { canonicalJson } from '../../effects/mongo-document-codec.ts';
import type { DataTarget } from '../target-marker.ts';
import { bisectDifferences, RangeDigests, type RecordHash, recordHash } from './range-checksums.ts';
import type { Embedder, VectorSourceOf } from './vector-source.ts';

export type DriftKind =
  | 'missing_collection'
  | 'wrong_collection_spec'
  | 'missing_vector'
  | 'orphan_vector'
  | 'text_mismatch'
  | 'metadata_mismatch'
  | 'dimension_mismatch'
  | 'spot_check_failed';

export interface DriftItem {
  kind: DriftKind;
  /** The record id (a URN), or the collection name for collection-level drift. */
  id: string;
  detail?: string;
}

export interface IntegrityReport {
  collection: string;
  expected: EmbeddingSpec;
  pin: EmbeddingSpec | null;
  counts: { documents: number; expected_vectors: number; vectors: number };
  ranges_compared: number;
  spot_checks: { checked: number; failed: number };
  drift: DriftItem[];
  by_kind: Partial<Record<DriftKind, number>>;
  ok: boolean;
}

export interface IntegrityInput {
  /** The tenant's documents of the collection (all of them; deleted ones derive no vector). */
  documents: AsyncIterable<StoredDocument> | Iterable<StoredDocument>;
  sourceOf: VectorSourceOf;
  /** The collection (undefined when it does not exist) and its name. */
  collection: Collection | undefined;
  collectionName: string;
  expected: EmbeddingSpec;
  /** Re-embeds a sample to compare vectors (needs the expected model); skipped when absent. */
  embed?: Embedder;
  spotChecks?: number;
  onProgress?: (label: string, done: number, total: number) => void;
}

export interface Expected {
  text: string;
  metadata: VectorRecord['metadata'];
}
interface Actual {
  text: string;
  metadata: Record<string, unknown>;
  dimension: number;
}

const PAGE = 1000;

/**
 * The dimension of a collection's vectors, from one record (0 when it is empty). Chroma refuses a write whose
 * vector length differs from the collection's, so one record speaks for all of them.
 */
async function collectionDimension(col: Collection): Promise<number> {
  const one = await col.get({ limit: 1, include: ['embeddings'] });
  return one.embeddings[0]?.length ?? 0;
}

/**
 * Every record of a collection, page by page: documents and metadata. The vectors are not read (at 128
 * floats a record they were most of the bytes, and the time, of a full comparison); every record carries
 * the collection's dimension, which Chroma enforces per collection.
 */
async function readCollection(
  col: Collection,
  onPage: (done: number, total: number) => void,
): Promise<Map<string, Actual>> {
  const total = await col.count();
  const dimension = total > 0 ? await collectionDimension(col) : 0;
  const out = new Map<string, Actual>();
  for (let offset = 0; offset < total; offset += PAGE) {
    const page = await col.get({ limit: PAGE, offset, include: ['documents', 'metadatas'] });
    page.ids.forEach((id, i) => {
      out.set(id, {
        text: page.documents[i] ?? '',
        metadata: (page.metadatas[i] ?? {}) as Record<string, unknown>,
        dimension,
      });
    });
    onPage(Math.min(total, offset + PAGE), total);
  }
  return out;
}

function pinOf(col: Collection): EmbeddingSpec | null {
  const model = col.metadata?.[PIN_MODEL_KEY];
  const dimension = col.metadata?.[PIN_DIMENSION_KEY];
  return typeof model === 'string' && typeof dimension === 'number' ? { model, dimension } : null;
}

function classify(id: string, e: Expected | undefined, a: Actual | undefined, dim: number): DriftItem {
  if (!a) return { kind: 'missing_vector', id };
  if (!e) return { kind: 'orphan_vector', id };
  if (a.dimension !== dim) return { kind: 'dimension_mismatch', id, detail: `${a.dimension} != ${dim}` };
  if (a.text !== e.text) return { kind: 'text_mismatch', id };
  return {
    kind: 'metadata_mismatch',
    id,
    detail: `${canonicalJson(a.metadata)} != ${canonicalJson(e.metadata)}`,
  };
}

/** Builds the report; reads every document and every vector record once, compares by bisected ranges. */
export async function integrityReport(input: IntegrityInput): Promise<IntegrityReport> {
  const expected = new Map<string, Expected>();
  let documents = 0;
  for await (const doc of input.documents) {
    documents++;
    const source = input.sourceOf(doc);
    if (source.skip === undefined) expected.set(source.id, { text: source.text, metadata: source.metadata });
  }
  const report: IntegrityReport = {
    collection: input.collectionName,
    expected: input.expected,
    pin: input.collection ? pinOf(input.collection) : null,
    counts: { documents, expected_vectors: expected.size, vectors: 0 },
    ranges_compared: 0,
    spot_checks: { checked: 0, failed: 0 },
    drift: [],
    by_kind: {},
    ok: true,
  };
  const finish = () => {
    for (const d of report.drift) report.by_kind[d.kind] = (report.by_kind[d.kind] ?? 0) + 1;
    report.ok = report.drift.length === 0;
    return report;
  };
  if (!input.collection) {
    if (expected.size > 0) report.drift.push({ kind: 'missing_collection', id: input.collectionName });
    return finish();
  }
  const pin = report.pin;
  const actual = await readCollection(input.collection, (d, t) =>
    input.onProgress?.(`read ${input.collectionName}`, d, t),
  );
  report.counts.vectors = actual.size;
  if (!pin || pin.model !== input.expected.model || pin.dimension !== input.expected.dimension) {
    // Every vector in it is unusable with the expected model: one finding, repaired by a rebuild.
    const detail = `pinned ${pin ? `${pin.model}/${pin.dimension}` : 'nothing'}, expected ${input.expected.model}/${input.expected.dimension}`;
    report.drift.push({ kind: 'wrong_collection_spec', id: input.collectionName, detail });
    return finish();
  }
  const ids = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  const { model, dimension } = input.expected;
  const expectedHashes = new Map<string, RecordHash>();
  for (const [id, e] of expected) expectedHashes.set(id, recordHash({ id, ...e, model, dimension }));
  const actualHashes = new Map<string, RecordHash>();
  for (const [id, a] of actual) {
    actualHashes.set(
      id,
      recordHash({ id, text: a.text, metadata: a.metadata, model: pin.model, dimension: a.dimension }),
    );
  }
  const { differing, ranges_compared } = bisectDifferences(
    ids,
    new RangeDigests(ids, expectedHashes),
    new RangeDigests(ids, actualHashes),
  );
  report.ranges_compared = ranges_compared;
  for (const id of differing) report.drift.push(classify(id, expected.get(id), actual.get(id), dimension));
  await spotCheck(input, expected, new Set(differing), report);
  return finish();
}

/** Re-embeds an evenly spread sample of the records that matched and compares the stored vectors. */
async function spotCheck(
  input: IntegrityInput,
  expected: Map<string, Expected>,
  differing: ReadonlySet<string>,
  report: IntegrityReport,
): Promise<void> {
  const want = input.spotChecks ?? 0;
  if (!input.embed || want <= 0 || !input.collection) return;
  const matched = [...expected.keys()].filter((id) => !differing.has(id)).sort();
  const step = Math.max(1, Math.floor(matched.length / want));
  const sample = matched.filter((_, i) => i % step === 0).slice(0, want);
  if (sample.length === 0) return;
  const answer = await input.embed(sample.map((id) => expected.get(id)!.text));
  if (answer.model !== input.expected.model) return; // another model cannot reproduce these vectors
  const stored = await input.collection.get({ ids: sample, include: ['embeddings'] });
  const byId = new Map(stored.ids.map((id, i) => [id, stored.embeddings[i] ?? []]));
  sample.forEach((id, i) => {
    report.spot_checks.checked++;
    const a = byId.get(id) ?? [];
    const b = answer.vectors[i] ?? [];
    const close = a.length === b.length && a.every((v, j) => Math.abs(v - b[j]!) <= 1e-4);
    if (!close) {
      report.spot_checks.failed++;
      report.drift.push({
        kind: 'spot_check_failed',
        id,
        detail: 'stored vector differs from a fresh embedding',
      });
    }
  });
}

export interface RepairInput extends IntegrityInput {
  embed: Embedder;
  /** Recreates the collection when it is missing or pinned wrong (the target marker it gets). */
  recreate: () => Promise<Collection>;
  /** Deletes the wrongly pinned collection before recreating it. */
  drop: () => Promise<void>;
  /**
   * Reads the named records' sources again just before repairing them (writers keep writing during an online
   * repair): a vector is deleted as an orphan only if its document is still gone, and rewritten from the
   * document as it is now. Without it, the report's snapshot is used (fine when nothing else writes).
   */
  recheck?: (ids: readonly string[]) => Promise<Map<string, Expected | undefined>>;
  /**
   * What the answered report covers: the whole collection against every document again (`collection`, the
   * default), or only the records the repair touched, read back from the collection (`repaired`: the cost
   * grows with the drift, not with the tenant).
   */
  verify?: 'collection' | 'repaired';
}

const EMBED_BATCH = 256;

/** Fixes every finding of `report` from the documents; answers the report taken afterwards. */
export async function repairIntegrity(report: IntegrityReport, input: RepairInput): Promise<IntegrityReport> {
  let col = input.collection;
  const rebuild = report.drift.some(
    (d) => d.kind === 'wrong_collection_spec' || d.kind === 'missing_collection',
  );
  const expected = new Map<string, Expected>();
  // With `recheck`, a record-level repair reads only its findings' documents (below), not the tenant's.
  if (rebuild || !input.recheck) {
    for await (const doc of input.documents) {
      const source = input.sourceOf(doc);
      if (source.skip === undefined)
        expected.set(source.id, { text: source.text, metadata: source.metadata });
    }
  }
  if (rebuild || !col) {
    if (col) await input.drop();
    col = await input.recreate();
  }
  // Every record-level finding but an orphan names a record whose document exists (see `classify`).
  let rewrite = rebuild
    ? [...expected.keys()]
    : report.drift
        .filter((d) => d.kind !== 'orphan_vector' && (input.recheck !== undefined || expected.has(d.id)))
        .map((d) => d.id);
  let orphans = report.drift.filter((d) => d.kind === 'orphan_vector').map((d) => d.id);
  if (input.recheck) {
    const fresh = await input.recheck([...orphans, ...rewrite]);
    for (const [id, source] of fresh) {
      if (source) expected.set(id, source);
      else expected.delete(id);
    }
    // An "orphan" whose document arrived since the report is live: rewrite it instead of deleting it.
    rewrite.push(...orphans.filter((id) => expected.has(id)));
    orphans = orphans.filter((id) => !expected.has(id));
  }
  const stale = rewrite.filter((id) => !expected.has(id));
  const touched = [...new Set([...orphans, ...rewrite])];
  if (orphans.length + stale.length > 0) await col.delete({ ids: [...orphans, ...stale] });
  rewrite = rewrite.filter((id) => expected.has(id));
  for (let i = 0; i < rewrite.length; i += EMBED_BATCH) {
    const ids = rewrite.slice(i, i + EMBED_BATCH);
    const answer = await input.embed(ids.map((id) => expected.get(id)!.text));
    if (answer.model !== input.expected.model || answer.dimension !== input.expected.dimension) {
      throw new Error(
        `repair of ${input.collectionName} needs ${input.expected.model}/${input.expected.dimension} but the embedder answers ${answer.model}/${answer.dimension}`,
      );
    }
    // Delete first: Chroma merges metadata on upsert, so a stale key would survive an overwrite.
    await col.delete({ ids });
    await col.add({
      ids,
      embeddings: answer.vectors,
      documents: ids.map((id) => expected.get(id)!.text),
      metadatas: ids.map((id) => expected.get(id)!.metadata),
    });
    input.onProgress?.(
      `repair ${input.collectionName}`,
      Math.min(rewrite.length, i + EMBED_BATCH),
      rewrite.length,
    );
  }
  if (input.verify === 'repaired' && !rebuild) return repairedReport(report, input, col, touched, expected);
  return integrityReport({ ...input, collection: col });
}

/** The report after a repair, over the records it touched only: each read back and compared to its source. */
async function repairedReport(
  before: IntegrityReport,
  input: RepairInput,
  col: Collection,
  ids: readonly string[],
  expected: ReadonlyMap<string, Expected>,
): Promise<IntegrityReport> {
  const pin = pinOf(col);
  const dimension = await collectionDimension(col);
  const actual = new Map<string, Actual>();
  for (let i = 0; i < ids.length; i += PAGE) {
    const page = await col.get({ ids: ids.slice(i, i + PAGE), include: ['documents', 'metadatas'] });
    page.ids.forEach((id, j) => {
      actual.set(id, {
        text: page.documents[j] ?? '',
        metadata: (page.metadatas[j] ?? {}) as Record<string, unknown>,
        dimension,
      });
    });
  }
  const { model, dimension: want } = input.expected;
  const drift: DriftItem[] = [];
  for (const id of ids) {
    const e = expected.get(id);
    const a = actual.get(id);
    if (!e && !a) continue;
    const same =
      e !== undefined &&
      a !== undefined &&
      pin?.model === model &&
      a.dimension === want &&
      sameHash(
        recordHash({ id, ...e, model, dimension: want }),
        recordHash({ id, text: a.text, metadata: a.metadata, model, dimension: a.dimension }),
      );
    if (!same) drift.push(classify(id, e, a, want));
  }
  const by_kind: IntegrityReport['by_kind'] = {};
  for (const d of drift) by_kind[d.kind] = (by_kind[d.kind] ?? 0) + 1;
  return {
    ...before,
    pin,
    counts: { ...before.counts, vectors: await col.count() },
    ranges_compared: 0,
    spot_checks: { checked: 0, failed: 0 },
    drift,
    by_kind,
    ok: drift.length === 0,
  };
}

const sameHash = (a: RecordHash, b: RecordHash) => a[0] === b[0] && a[1] === b[1];

/** The metadata a collection gets when the repair (or a re-embed) creates it. */
export function collectionMetadata(
  spec: EmbeddingSpec,
  target: DataTarget,
  chunker: string,
): Record<string, string | number> {
  return {
    [PIN_MODEL_KEY]: spec.model,
    [PIN_DIMENSION_KEY]: spec.dimension,
    [TARGET_KEY]: target,
    [CHUNKER_KEY]: chunker,
  };
}

/** The report as Markdown (the migration report embeds it). */
export function integrityMarkdown(report: IntegrityReport): string {
  const lines = [
    `### Integrity: ${report.collection}`,
    '',
    `- expected ${report.expected.model}/${report.expected.dimension}; pinned ${report.pin ? `${report.pin.model}/${report.pin.dimension}` : 'none'}`,
    `- documents ${report.counts.documents}, expected vectors ${report.counts.expected_vectors}, vectors ${report.counts.vectors}`,
    `- range checksums compared: ${report.ranges_compared}; spot-checks ${report.spot_checks.checked} (${report.spot_checks.failed} failed)`,
    `- drift: ${
      report.drift.length === 0
        ? 'none'
        : Object.entries(report.by_kind)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ')
    }`,
  ];
  for (const d of report.drift.slice(0, 50))
    lines.push(`  - ${d.kind} ${d.id}${d.detail ? ` (${d.detail})` : ''}`);
  if (report.drift.length > 50) lines.push(`  - ... ${report.drift.length - 50} more in the JSON report`);
  return lines.join('\n');
}
