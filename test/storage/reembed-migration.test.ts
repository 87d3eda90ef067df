/**
 * The online re-embed against a real Chroma: search answers through every phase, new messages keep
 * arriving, a killed worker and a Chroma restart resume from the checkpoint, and rollback from each phase
 * leaves search answering from the old collection.
 */
import { messageVectorSource } from '@promethean/functions/agents/message-embedder/message-vector-source';
import {
  createdDocument,
  deletedDocument,
  updatedDocument,
} from '@promethean/functions/agents/message-indexer/message-document';
import { hashedEmbedding } from '@promethean/functions/models/offline-embedding';
import { ChromaVectorStore, chromaClientArgs } from '@promethean/shared/effects/chroma-vector-store';
import type { DocumentStore, StoredDocument } from '@promethean/shared/effects/document-store';
import type { VectorCollection } from '@promethean/shared/effects/effect-ports';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { modelMatchedQuery } from '@promethean/shared/effects/model-matched-query';
import { vectorCollectionName } from '@promethean/shared/effects/vector-schema';
import { integrityReport } from '@promethean/shared/migrations/integrity/integrity-report';
import type { Embedder, VectorSourceOf } from '@promethean/shared/migrations/integrity/vector-source';
import { ReembedMigration, type ReembedPhase } from '@promethean/shared/migrations/reembed/reembed-migration';
import { RoutedVectorStore } from '@promethean/shared/migrations/reembed/routed-vector-store';
import { ChromaClient } from 'chromadb';
import { describe, expect, inject, it, vi } from 'vitest';
import { startChromaServer } from '../servers/chroma-server.ts';
import { ChromaRequestLog } from './chroma-request-log.ts';

const { chromaUrl: sharedChroma } = inject('storageServers');
const OLD = { model: 'old-embed', dimension: 8 };
const NEW = { model: 'new-embed', dimension: 16 };
const embedWith =
  (spec: { model: string; dimension: number }): Embedder =>
  async (texts) => ({ ...spec, vectors: texts.map((t) => hashedEmbedding(t, spec.dimension)) });

function message(tenant: string, i: number): StoredDocument {
  const id = String(5_000_000 + i);
  return createdDocument(
    { provider: 'contract', tenant },
    {
      urn: `urn:contract:message:${tenant}:${id}`,
      foreign_id: id,
      channel: { urn: `urn:contract:channel:${tenant}:c`, foreign_id: 'c' },
      is_direct: false,
      author: { urn: `urn:contract:user:${tenant}:u`, foreign_id: 'u', bot: false },
      content: `duck fact ${i}`,
      created_at: '2026-01-01T00:00:00.000Z',
      attachments: [],
      mentions: { users: [], roles: [], everyone: false, bot: false },
    },
  );
}

/** A tenant with `n` messages embedded with the old model, plus the pieces a live writer and a migration use. */
async function tenantWith(tenant: string, n: number, url = sharedChroma) {
  const scope = { provider: 'contract', tenant };
  const documents = new MemoryDocumentStore(scope);
  const storeFor = (collection: VectorCollection, name: string) =>
    new ChromaVectorStore({ url, ...scope, target: 'test', names: { [collection]: name } });
  const fallback = new ChromaVectorStore({ url, ...scope, target: 'test' });
  const failures: string[] = [];
  const vectors = new RoutedVectorStore({
    documents,
    storeFor,
    fallback,
    onSecondaryFailure: (_c, _n, ids) => failures.push(...ids),
  });
  /** What the message-embedder does for new messages: document first, then vectors with the deployment's model. */
  const live = async (docs: StoredDocument[], embed: Embedder) => {
    await documents.upsertMany('messages', docs);
    const merged = await documents.getMany(
      'messages',
      docs.map((d) => d.foreign_id),
    );
    const sources = merged.map(messageVectorSource);
    const keep = sources.flatMap((s) => (s.skip === undefined ? [s] : []));
    if (keep.length > 0) {
      const answer = await embed(keep.map((s) => s.text));
      await vectors.upsert(
        'messages',
        keep.map((s, i) => ({
          id: s.id,
          embedding: answer.vectors[i]!,
          document: s.text,
          metadata: s.metadata,
        })),
        answer,
      );
    }
    const gone = sources.filter((s) => s.skip !== undefined).map((s) => s.id);
    if (gone.length > 0) await vectors.delete('messages', gone);
  };
  await live(
    Array.from({ length: n }, (_, i) => message(tenant, i)),
    embedWith(OLD),
  );
  const base = vectorCollectionName('contract', tenant, 'messages');
  const chroma = new ChromaClient(chromaClientArgs(url));
  const migration = (
    o: {
      changeLog?: boolean;
      embedNew?: Embedder;
      pagesPerStep?: number;
      documents?: DocumentStore;
      sourceOf?: VectorSourceOf;
    } = {},
  ) =>
    new ReembedMigration({
      documents: o.documents ?? documents,
      chromaUrl: url,
      scope,
      collection: 'messages',
      id: 'to-new-embed',
      from: { name: base, spec: OLD },
      to: { name: `${base}__v2`, spec: NEW },
      embedNew: o.embedNew ?? embedWith(NEW),
      embedOld: embedWith(OLD),
      sourceOf: o.sourceOf ?? messageVectorSource,
      target: 'test',
      pageSize: 25,
      ...(o.changeLog && { changeLog: documents }),
      ...(o.pagesPerStep !== undefined && { pagesPerStep: o.pagesPerStep }),
    });
  const search = async () => {
    const pin = await vectors.pinned('messages');
    const matches = await vectors.query('messages', hashedEmbedding('duck fact', pin!.dimension), 3);
    return { pin, matches };
  };
  const verify = async (name: string, spec: typeof OLD, sourceOf: VectorSourceOf = messageVectorSource) => {
    const all: StoredDocument[] = await documents.find('messages', {}, { limit: 10_000 });
    return integrityReport({
      documents: all,
      sourceOf,
      collection: await chroma.getCollection({ name }),
      collectionName: name,
      expected: spec,
    });
  };
  const cleanup = async () => {
    for (const name of [base, `${base}__v2`]) await chroma.deleteCollection({ name }).catch(() => undefined);
  };
  return { documents, vectors, live, migration, search, verify, cleanup, base, failures, chroma };
}

describe('online re-embed', { timeout: 60_000 }, () => {
  it('re-embeds while messages keep arriving; search answers through every phase; cutover flips reads', async () => {
    const t = await tenantWith('reembed-run', 120);
    const m = t.migration();
    await m.prepare();
    expect((await t.search()).pin).toEqual(OLD);
    let i = 120;
    let state = await m.state();
    while (state!.phase !== 'backfilled') {
      state = await m.backfillPage();
      // Live traffic between pages: new messages, and a delete, with the deployment's (old) model.
      await t.live([message('reembed-run', i++), message('reembed-run', i++)], embedWith(OLD));
      const answer = await t.search();
      expect(answer.pin).toEqual(OLD);
      expect(answer.matches.length).toBe(3);
    }
    await t.live(
      [
        deletedDocument(
          { provider: 'contract', tenant: 'reembed-run' },
          {
            urn: message('reembed-run', 7).urn,
            foreign_id: '5000007',
            channel: { urn: 'urn:contract:channel:reembed-run:c', foreign_id: 'c' },
            is_direct: false,
            deleted_at: '2026-01-03T00:00:00.000Z',
          },
        ),
      ],
      embedWith(OLD),
    );
    const { report } = await m.catchUp();
    expect(report!.by_kind.missing_vector).toBeGreaterThan(0); // the messages that arrived during the backfill
    expect(report!.by_kind.orphan_vector).toBe(1); // the deleted one
    // Dual-write: a message written with the old model lands in the old collection; catch-up brings it over.
    await t.live([message('reembed-run', i++)], embedWith(OLD));
    const cut = await m.cutover();
    expect(cut.phase).toBe('cut_over');
    const after = await t.search();
    expect(after.pin).toEqual(NEW);
    expect(after.matches.length).toBe(3);
    // After cutover the deployment embeds with the new model; writes land in the new collection.
    await t.live([message('reembed-run', i++)], embedWith(NEW));
    const check = await t.verify(`${t.base}__v2`, NEW);
    expect(check).toMatchObject({ ok: true, counts: { expected_vectors: i - 1, vectors: i - 1 } }); // 0 lost, 0 duplicated
    await m.decommission();
    expect(await t.chroma.getCollection({ name: t.base }).catch(() => 'gone')).toBe('gone');
    await t.cleanup();
  });

  it('a search whose pin check and query straddle a cutover or a rollback answers "another model", never fails', async () => {
    const t = await tenantWith('reembed-straddle', 60);
    const m = t.migration();
    await m.prepare();
    let state = await m.state();
    while (state!.phase !== 'backfilled') state = await m.backfillPage();
    await m.catchUp();
    const asked = (spec: typeof OLD) =>
      modelMatchedQuery(
        t.vectors,
        'messages',
        { vector: hashedEmbedding('duck fact', spec.dimension), spec },
        3,
      );
    // The reader embedded with the model it read as pinned (old), then the routing flipped under it.
    expect(await t.vectors.pinned('messages')).toEqual(OLD);
    await m.cutover();
    const oldVector = hashedEmbedding('duck fact', OLD.dimension);
    await expect(t.vectors.query('messages', oldVector, 3, {}, OLD)).rejects.toMatchObject({
      name: 'VectorSchemaMismatchError',
      pinned: NEW,
    });
    expect(await asked(OLD)).toEqual({ kind: 'model-mismatch', pinned: NEW });
    expect(await asked(NEW)).toMatchObject({ kind: 'matches', matches: { length: 3 } });
    await m.rollback();
    expect(await asked(NEW)).toEqual({ kind: 'model-mismatch', pinned: OLD });
    expect(await asked(OLD)).toMatchObject({ kind: 'matches', matches: { length: 3 } });
    await t.cleanup();
  });

  it('catches up from the change log: writes, edits and deletes during the backfill, text re-embedded only when it changed', async () => {
    const tenant = 'reembed-cdc';
    const scope = { provider: 'contract', tenant };
    const t = await tenantWith(tenant, 80);
    const embedded: string[] = [];
    const counting: Embedder = async (texts) => {
      embedded.push(...texts);
      return embedWith(NEW)(texts);
    };
    const m = t.migration({ changeLog: true, embedNew: counting });
    await m.prepare();
    const core = (i: number) => ({
      urn: message(tenant, i).urn,
      foreign_id: String(5_000_000 + i),
      channel: { urn: `urn:contract:channel:${tenant}:c`, foreign_id: 'c' },
      is_direct: false,
    });
    const edit = (i: number, content: string, at: string) =>
      updatedDocument(scope, { ...core(i), content, edited_at: at });
    let i = 80;
    let state = await m.backfillPage(); // 79..55 (newest first)
    await t.live([message(tenant, i++), message(tenant, i++)], embedWith(OLD));
    await t.live([edit(79, 'duck fact 79, edited', '2026-01-02T00:00:00.000Z')], embedWith(OLD)); // copied: re-embed
    await t.live([edit(78, 'duck fact 78', '2026-01-02T00:00:00.000Z')], embedWith(OLD)); // same text: metadata only
    await t.live(
      [deletedDocument(scope, { ...core(75), deleted_at: '2026-01-03T00:00:00.000Z' })],
      embedWith(OLD),
    );
    await t.live([edit(3, 'duck fact 3, edited', '2026-01-02T00:00:00.000Z')], embedWith(OLD)); // not yet copied
    while (state.phase !== 'backfilled') {
      state = await m.backfillPage();
      await t.live([message(tenant, i++)], embedWith(OLD));
    }
    embedded.length = 0;
    const { tail, report } = await m.catchUp();
    expect(report).toBeNull();
    // 2 + 3 new messages and edit 79 need the new model; edit 3 was copied edited; 75 loses its vector.
    expect(tail).toMatchObject({ reembedded: 6, metadata_only: 1, deleted: 1, unchanged: 1 });
    expect(embedded).toHaveLength(6);
    expect(embedded).toContain('duck fact 79, edited');
    // Dual-write: the deployment still embeds with the old model, so only the old collection takes this one.
    await t.live([message(tenant, i++)], embedWith(OLD));
    const cut = await m.cutover();
    expect(cut.cdc).toMatchObject({ reembedded: 7 });
    // After cutover the tail keeps the new collection in step (writers on the old model, and deletes).
    await t.live([message(tenant, i++)], embedWith(OLD));
    await t.live(
      [deletedDocument(scope, { ...core(80), deleted_at: '2026-01-03T00:00:00.000Z' })],
      embedWith(OLD),
    );
    // The delete of 80 reached the new collection through the routed writer itself: the tail finds it gone.
    const tailed = await m.tail();
    expect(tailed.cdc).toMatchObject({ reembedded: 8, deleted: 1 });
    // Idle passes (the log holds only the tail's own state save since) write nothing: no save per minute.
    const head = await t.documents.changeHead();
    expect((await m.tail()).revision).toBe(tailed.revision);
    expect((await m.tail()).revision).toBe(tailed.revision);
    expect(await t.documents.changeHead()).toBe(head);
    expect(await m.lag(tailed)).toBe(0);
    // A message written after the idle passes is still applied and saved.
    await t.live([message(tenant, i++)], embedWith(OLD));
    const after = await m.tail();
    expect(after.revision).toBe(tailed.revision + 1);
    expect(after.cdc).toMatchObject({ reembedded: 9 });
    const check = await t.verify(`${t.base}__v2`, NEW);
    // Every live message once (0 lost, 0 doubled), texts and metadata equal to the documents.
    expect(check).toMatchObject({ ok: true, counts: { expected_vectors: i - 2, vectors: i - 2 } });
    expect((await t.search()).pin).toEqual(NEW);
    await t.cleanup();
  });

  it('a killed worker resumes the backfill from its checkpoint, without duplicates', async () => {
    const t = await tenantWith('reembed-kill', 110);
    await t.migration().prepare();
    await t.migration().backfillPage();
    const second = await t.migration().backfillPage();
    expect(second).toMatchObject({ pages: 2, backfilled: 50 });
    // The worker dies here: a new one builds its migration from the same store and carries on.
    let state = await t.migration().backfillPage();
    while (state.phase !== 'backfilled') state = await t.migration().backfillPage();
    expect(state).toMatchObject({ backfilled: 110, pages: 5 });
    expect((await t.verify(`${t.base}__v2`, NEW)).ok).toBe(true);
    await t.cleanup();
  });

  it('backfill() pipelines pages: the next embedded while two are written, checkpoints in order; a moved checkpoint drops what is in flight', async () => {
    const t = await tenantWith('reembed-ahead', 110);
    const texts: string[][] = [];
    const embedNew: Embedder = async (batch) => {
      texts.push([...batch]);
      return embedWith(NEW)(batch);
    };
    const m = t.migration({ embedNew });
    await m.prepare();
    const seen: number[] = [];
    const state = await m.backfill(async (page) => {
      seen.push(page.backfilled);
      // Another worker steps a page meanwhile (the third, which this run is writing too): what this run has
      // in flight is dropped and read again from the moved checkpoint.
      if (seen.length === 2) await t.migration({ embedNew }).backfillPage();
    });
    expect(state).toMatchObject({ phase: 'backfilled', backfilled: 110 });
    expect(seen).toEqual([25, 50, 100, 110]);
    // Pages 1-3 by this run, 3 by the other worker, 4-5 read ahead and dropped, then 4-5 again.
    expect(texts.map((b) => b.length)).toEqual([25, 25, 25, 25, 25, 10, 25, 10]);
    expect((await t.verify(`${t.base}__v2`, NEW)).ok).toBe(true);
    await t.cleanup();
  });

  it('backfill() has two page writes in flight at once and still moves the checkpoint page by page, in order', async () => {
    const t = await tenantWith('reembed-in-flight', 110);
    const m = t.migration();
    await m.prepare();
    const real = globalThis.fetch;
    let upserts = 0;
    let secondStarted: () => void = () => undefined;
    const second = new Promise<void>((resolve) => {
      secondStarted = resolve;
    });
    let overlapped = false;
    // The first page's write is held until the second page's write has started (or 5 s pass, then the
    // writes did not overlap and the test fails on `overlapped`).
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.endsWith('/upsert')) {
        upserts++;
        if (upserts === 1) {
          overlapped = await Promise.race([
            second.then(() => true),
            new Promise<boolean>((r) => setTimeout(() => r(false), 5_000)),
          ]);
        } else if (upserts === 2) secondStarted();
      }
      return real(input, init);
    });
    const seen: number[] = [];
    try {
      const state = await m.backfill((page) => {
        seen.push(page.backfilled);
      });
      expect(state).toMatchObject({ phase: 'backfilled', backfilled: 110, pages: 5 });
    } finally {
      spy.mockRestore();
    }
    expect(overlapped).toBe(true);
    expect(seen).toEqual([25, 50, 75, 100, 110]);
    expect((await t.verify(`${t.base}__v2`, NEW)).ok).toBe(true);
    await t.cleanup();
  });

  it('a failed page write with the next one in flight keeps the checkpoint before it; the resumed backfill ends exact', async () => {
    const t = await tenantWith('reembed-in-flight-fail', 110);
    const m = t.migration();
    await m.prepare();
    const real = globalThis.fetch;
    let upserts = 0;
    const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.endsWith('/upsert') && ++upserts === 2)
        return new Response('chroma fell over', { status: 500 });
      return real(input, init);
    });
    try {
      await expect(m.backfill()).rejects.toThrow('chroma fell over');
    } finally {
      spy.mockRestore();
    }
    // Page 1 checkpointed; page 2 failed; page 3 (written or not) is past the checkpoint.
    expect(await m.state()).toMatchObject({ phase: 'backfilling', pages: 1, backfilled: 25 });
    const state = await t.migration().backfill();
    expect(state).toMatchObject({ phase: 'backfilled', backfilled: 110, pages: 5 });
    const report = await t.verify(`${t.base}__v2`, NEW);
    expect(report.ok).toBe(true);
    expect(report.counts.vectors).toBe(110);
    await t.cleanup();
  });

  it('a step() writes pagesPerStep pages, each checkpointed, and embeds nothing past its last page', async () => {
    const t = await tenantWith('reembed-per-step', 110);
    const texts: string[][] = [];
    const embedNew: Embedder = async (batch) => {
      texts.push([...batch]);
      return embedWith(NEW)(batch);
    };
    await t.migration({ embedNew, pagesPerStep: 2 }).prepare();
    const pages: number[] = [];
    const embedded: number[] = [];
    for (let i = 0; i < 3; i++) {
      // A fresh instance each time, as each queue message may run in another isolate.
      const { state, more } = await t.migration({ embedNew, pagesPerStep: 2 }).step();
      expect(more).toBe(true);
      pages.push(state.pages);
      embedded.push(texts.length);
    }
    expect(pages).toEqual([2, 4, 5]);
    // Each page embedded exactly once: no step read a page it did not write.
    expect(embedded).toEqual([2, 4, 5]);
    expect(texts.map((b) => b.length)).toEqual([25, 25, 25, 25, 10]);
    expect((await t.verify(`${t.base}__v2`, NEW)).ok).toBe(true);
    await t.cleanup();
  });

  it('a fresh new collection is backfilled without stale-metadata reads; a page redone after an edit ends exact', async () => {
    const tenant = 'reembed-fresh';
    const t = await tenantWith(tenant, 60);
    // A source whose metadata loses a key when the text says so: the case the skipped read would catch.
    const sourceOf: VectorSourceOf = (doc) => {
      const s = messageVectorSource(doc);
      if (s.skip !== undefined || !s.text.includes('bare')) return s;
      const { created_at: _dropped, ...metadata } = s.metadata;
      return { ...s, metadata };
    };
    // The checkpoint save after the first page fails once: the page is written, its checkpoint is not.
    let failSave = false;
    const documents = new Proxy(t.documents, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        if (prop !== 'upsertMany') return value.bind(target);
        return async (collection: string, docs: StoredDocument[]) => {
          if (collection === 'jobs' && failSave) {
            failSave = false;
            throw new Error('worker killed before its checkpoint');
          }
          return target.upsertMany(collection as 'jobs', docs);
        };
      },
    });
    const m = t.migration({ changeLog: true, documents, sourceOf });
    const requests = new ChromaRequestLog();
    const gets = () => requests.count('get');
    try {
      expect(await m.prepare()).toMatchObject({ to_fresh: true });
      failSave = true;
      await expect(m.backfillPage()).rejects.toThrow('worker killed');
      const edited = updatedDocument(
        { provider: 'contract', tenant },
        {
          urn: message(tenant, 59).urn,
          foreign_id: String(5_000_059),
          channel: { urn: `urn:contract:channel:${tenant}:c`, foreign_id: 'c' },
          is_direct: false,
          content: 'duck fact 59 bare',
          edited_at: '2026-01-02T00:00:00.000Z',
        },
      );
      await t.documents.upsertMany('messages', [edited]);
      let state = await m.backfillPage(); // the same page again, 59 now without created_at
      while (state.phase !== 'backfilled') state = await m.backfillPage();
      expect(state).toMatchObject({ backfilled: 60, pages: 3 });
      expect(gets()).toBe(0);
    } finally {
      requests.restore();
    }
    // Chroma merged the redone record's metadata into the first write's: the old key is still there ...
    const v2 = await t.chroma.getCollection({ name: `${t.base}__v2` });
    const before = await v2.get({ ids: [message(tenant, 59).urn], include: ['metadatas'] });
    expect(before.metadatas[0]).toHaveProperty('created_at');
    expect((await t.verify(`${t.base}__v2`, NEW, sourceOf)).ok).toBe(false);
    // ... and the catch-up, which looks at every document changed since prepare, writes it exactly.
    await m.catchUp();
    expect((await t.verify(`${t.base}__v2`, NEW, sourceOf)).ok).toBe(true);
    await t.cleanup();
  });

  it('a new collection that already held records is backfilled with the stale-metadata read', async () => {
    const tenant = 'reembed-not-fresh';
    const t = await tenantWith(tenant, 30);
    const held = new ChromaVectorStore({
      url: sharedChroma,
      provider: 'contract',
      tenant,
      target: 'test',
      names: { messages: `${t.base}__v2` },
    });
    const id = message(tenant, 0).urn;
    await held.upsert(
      'messages',
      [{ id, embedding: hashedEmbedding('x', NEW.dimension), document: 'x', metadata: { stale: 'yes' } }],
      NEW,
    );
    const m = t.migration();
    const requests = new ChromaRequestLog();
    const gets = () => requests.count('get');
    try {
      expect((await m.prepare()).to_fresh).toBe(false);
      let state = await m.backfillPage();
      while (state.phase !== 'backfilled') state = await m.backfillPage();
      expect(gets()).toBe(2); // one read per page (29..5, then 4..0)
    } finally {
      requests.restore();
    }
    // The record that was there lost its stray key: the backfill wrote it exactly.
    expect((await t.verify(`${t.base}__v2`, NEW)).ok).toBe(true);
    await t.cleanup();
  });

  it('a Chroma restart mid-backfill fails the page, and the retried page resumes', async () => {
    const server = await startChromaServer({ log: () => undefined });
    try {
      const t = await tenantWith('reembed-restart', 60, server.url);
      const m = t.migration();
      await m.prepare();
      await m.backfillPage();
      await server.kill();
      await expect(m.backfillPage()).rejects.toThrow();
      await server.restart();
      let state = await m.backfillPage();
      expect(state.pages).toBe(2);
      while (state.phase !== 'backfilled') state = await m.backfillPage();
      await m.catchUp();
      await m.cutover();
      expect((await t.verify(`${t.base}__v2`, NEW)).ok).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it.each<ReembedPhase>(['prepared', 'backfilling', 'backfilled', 'dual_write', 'cut_over'])(
    'rollback from %s leaves search answering from the old collection, in step with the documents',
    async (phase) => {
      const t = await tenantWith(`reembed-rb-${phase.replace('_', '')}`, 60);
      const m = t.migration();
      let state = await m.prepare();
      let i = 60;
      const steps: Record<ReembedPhase, () => Promise<unknown>> = {
        prepared: async () => undefined,
        backfilling: () => m.backfillPage(),
        backfilled: async () => {
          while (state.phase !== 'backfilled') state = await m.backfillPage();
        },
        dual_write: () => m.catchUp(),
        cut_over: () => m.cutover(),
        decommissioned: async () => undefined,
        rolled_back: async () => undefined,
      };
      for (const p of ['backfilling', 'backfilled', 'dual_write', 'cut_over'] as const) {
        if (
          ['prepared', 'backfilling', 'backfilled', 'dual_write', 'cut_over'].indexOf(phase) <
          ['prepared', 'backfilling', 'backfilled', 'dual_write', 'cut_over'].indexOf(p)
        )
          break;
        await steps[p]();
        state = (await m.state())!;
      }
      expect(state.phase).toBe(phase);
      // A message arrives with the model in force: after cutover that is the new one.
      await t.live([message(t.base.split('__')[1]!, i++)], embedWith(phase === 'cut_over' ? NEW : OLD));
      const rolled = await m.rollback();
      expect(rolled.phase).toBe('rolled_back');
      const answer = await t.search();
      expect(answer.pin).toEqual(OLD);
      expect(answer.matches.length).toBe(3);
      expect(await t.verify(t.base, OLD)).toMatchObject({ ok: true, counts: { vectors: i } });
      await t.cleanup();
    },
  );
  it.each<ReembedPhase>(['prepared', 'backfilling', 'backfilled', 'dual_write', 'cut_over'])(
    'rollback from %s with the change log: search answers from the old collection, writes since cutover in it',
    async (phase) => {
      const tenant = `reembed-lrb-${phase.replace('_', '')}`;
      const scope = { provider: 'contract', tenant };
      const t = await tenantWith(tenant, 60);
      const m = t.migration({ changeLog: true, pagesPerStep: 1 });
      await m.prepare(phase === 'cut_over' ? 'cut_over' : 'dual_write');
      const order = ['prepared', 'backfilling', 'backfilled', 'dual_write', 'cut_over'];
      let state = (await m.state())!;
      // The queue's step() walks the phases: one page, the rest of the backfill, catch-up, cutover.
      while (order.indexOf(state.phase) < order.indexOf(phase)) state = (await m.step()).state;
      expect(state.phase).toBe(phase);
      const core = (i: number) => ({
        urn: message(tenant, i).urn,
        foreign_id: String(5_000_000 + i),
        channel: { urn: `urn:contract:channel:${tenant}:c`, foreign_id: 'c' },
        is_direct: false,
      });
      // Writes with the model in force: after cutover the new one, so only the new collection gets them.
      const model = phase === 'cut_over' ? NEW : OLD;
      await t.live([message(tenant, 60)], embedWith(model));
      await t.live(
        [
          updatedDocument(scope, {
            ...core(5),
            content: 'goose fact five',
            edited_at: '2026-01-02T00:00:00.000Z',
          }),
        ],
        embedWith(model),
      );
      await t.live(
        [deletedDocument(scope, { ...core(9), deleted_at: '2026-01-03T00:00:00.000Z' })],
        embedWith(model),
      );
      const rolled = await m.rollback();
      expect(rolled.phase).toBe('rolled_back');
      if (phase === 'cut_over') expect(rolled.back).toMatchObject({ reembedded: 2 }); // 60 and the edit of 5
      const answer = await t.search();
      expect(answer.pin).toEqual(OLD);
      const goose = await t.vectors.query('messages', hashedEmbedding('goose fact five', OLD.dimension), 1);
      expect(goose[0]).toMatchObject({ id: message(tenant, 5).urn, document: 'goose fact five' });
      // 60 documents + 1 new - 1 deleted, each once, texts equal to the documents.
      expect(await t.verify(t.base, OLD)).toMatchObject({ ok: true, counts: { vectors: 60 } });
      await t.cleanup();
    },
  );

  it('toward cutover, the step after the backfill catches up and cuts over at once; toward dual-write it stops there', async () => {
    for (const goal of ['cut_over', 'dual_write'] as const) {
      const tenant = `reembed-onestep-${goal.replace('_', '-')}`;
      const t = await tenantWith(tenant, 30);
      const m = t.migration({ changeLog: true, pagesPerStep: 4 });
      await m.prepare(goal);
      let step = await m.step();
      while (step.state.phase !== 'backfilled') step = await m.step();
      // Written during the backfill with the old model: only the change log brings it to the new collection.
      await t.live([message(tenant, 30), message(tenant, 31)], embedWith(OLD));
      step = await m.step();
      expect(step.state.phase).toBe(goal);
      expect(step.state.history.map((h) => h.phase)).toContain('dual_write');
      expect(step.state.cdc?.messages).toBe(2);
      expect((await t.search()).pin).toEqual(goal === 'cut_over' ? NEW : OLD);
      expect(await t.verify(`${t.base}__v2`, NEW)).toMatchObject({ ok: true, counts: { vectors: 32 } });
      await t.cleanup();
    }
  });

  it('cuts over again after a rollback: writes made meanwhile reach the new collection; latency is recorded', async () => {
    const tenant = 'reembed-recut';
    const t = await tenantWith(tenant, 40);
    const m = t.migration({ changeLog: true });
    await m.prepare('cut_over');
    let step = await m.step();
    while (step.more) step = await m.step();
    expect(step.state.phase).toBe('cut_over');
    await m.rollback();
    // Back on the old model: this one lands in the old collection only.
    await t.live([message(tenant, 40), message(tenant, 41)], embedWith(OLD));
    await m.setGoal('cut_over');
    step = await m.step();
    expect(step.state.phase).toBe('cut_over');
    expect((await t.search()).pin).toEqual(NEW);
    expect(await t.verify(`${t.base}__v2`, NEW)).toMatchObject({ ok: true, counts: { vectors: 42 } });
    // A caught-up tail step says there is no more work; the latency sketches counted every call.
    expect(await m.lag(step.state)).toBe(0);
    expect((await m.step()).more).toBe(false);
    const latency = (await m.state())!.latency!;
    expect(latency.embed_ms.count).toBeGreaterThanOrEqual(3); // two backfill pages and the re-cutover's tail
    expect(latency.chroma_upsert_ms.count).toBeGreaterThanOrEqual(3);
    await t.cleanup();
  });
});
