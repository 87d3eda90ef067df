/**
 * The MongoDB adapter's change log against the real MongoDB-wire test server: one entry per changed
 * document, none for a redelivery it already holds, sequences without gaps under concurrent writers, and a
 * backfill with writes running beside it that the CDC tail completes with nothing lost or duplicated.
 */
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import type { DocumentScope } from '@promethean/shared/effects/document-validation';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MongoDocumentStore } from '@promethean/shared/effects/mongo-document-store';
import { tailOnce } from '@promethean/shared/migrations/cdc/change-tailer';
import { MongoClient } from 'mongodb';
import { afterAll, describe, expect, inject, it } from 'vitest';

const { mongoUri } = inject('storageServers');
const client = new MongoClient(mongoUri, { ignoreUndefined: true });
afterAll(() => client.close());

const run = Math.random().toString(36).slice(2, 8);
const scopeFor = (label: string): DocumentScope => ({ provider: 'contract', tenant: `cdc-${label}-${run}` });

function message(scope: DocumentScope, id: number, text: string, version = '1'): StoredDocument {
  return {
    ...scope,
    foreign_id: String(id),
    urn: `urn:contract:message:${scope.tenant}:${id}`,
    index: { channel_id: `c${id % 3}` },
    slots: { created: { version, value: { content: text } } },
  };
}

describe('MongoDocumentStore change log', () => {
  it('logs one entry per changed document and nothing for a redelivery it already holds', async () => {
    const scope = scopeFor('entries');
    const store = new MongoDocumentStore(client, scope, { target: 'test' });
    expect(await store.changeHead()).toBe(0);
    await store.upsertMany('messages', [message(scope, 1, 'a'), message(scope, 2, 'b')]);
    await store.upsertMany('messages', [message(scope, 1, 'a'), message(scope, 2, 'b')]);
    await store.upsertMany('messages', [message(scope, 2, 'b2', '2')]);
    await store.upsertMany('attachments', [message(scope, 9, 'att')]);
    const entries = await store.changesAfter(0, 100);
    expect(entries.map((e) => [e.seq, e.collection, e.foreign_id])).toEqual([
      [1, 'messages', '1'],
      [2, 'messages', '2'],
      [3, 'messages', '2'],
      [4, 'attachments', '9'],
    ]);
    expect(await store.changeHead()).toBe(4);
    expect(await store.changesAfter(2, 1)).toEqual([{ seq: 3, collection: 'messages', foreign_id: '2' }]);
  });

  it('keeps sequences gap-free and complete with four writers racing', async () => {
    const scope = scopeFor('race');
    // Separate clients: separate connections, so the writers really interleave on the server.
    const clients = [0, 1, 2, 3].map(() => new MongoClient(mongoUri, { ignoreUndefined: true }));
    try {
      const writers = clients.map((c, w) => {
        const store = new MongoDocumentStore(c, scope, { target: 'test' });
        return (async () => {
          for (let b = 0; b < 10; b++) {
            const ids = [0, 1, 2].map((i) => 1000 + w * 100 + b * 3 + i);
            await store.upsertMany(
              'messages',
              ids.map((id) => message(scope, id, `w${w}`)),
            );
          }
        })();
      });
      await Promise.all(writers);
      const store = new MongoDocumentStore(client, scope, { target: 'test' });
      const entries = await store.changesAfter(0, 1000);
      expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
      expect(new Set(entries.map((e) => e.foreign_id)).size).toBe(120);
      expect(entries).toHaveLength(120);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it('a backfill from the start head plus the CDC tail copies every write made during it, once', async () => {
    const scope = scopeFor('backfill');
    const source = new MongoDocumentStore(client, scope, { target: 'test' });
    for (let b = 0; b < 4; b++) {
      await source.upsertMany(
        'messages',
        Array.from({ length: 25 }, (_, i) => message(scope, b * 25 + i + 1, `old ${b}`)),
      );
    }
    const target = new MemoryDocumentStore(scope);
    const start = await source.changeHead();
    expect(start).toBe(100);
    // A second client writes while the pages are copied: new documents, edits of copied and not yet
    // copied ones, and deletes.
    const writerClient = new MongoClient(mongoUri, { ignoreUndefined: true });
    const writer = new MongoDocumentStore(writerClient, scope, { target: 'test' });
    let cursor: string | null = null;
    let page = 0;
    try {
      do {
        const result = await source.scanPage('messages', cursor, 10);
        await target.upsertMany('messages', result.documents);
        cursor = result.next;
        await writer.upsertMany('messages', [
          message(scope, 200 + page, 'new during backfill'),
          message(scope, 5 + page, `edit ${page}`, '2'),
          message(scope, 95 - page, `edit ${page}`, '2'),
          { ...message(scope, 50 + page, ''), slots: { deleted: { version: '3', value: true } } },
        ]);
        page++;
      } while (cursor !== null);
    } finally {
      await writerClient.close();
    }
    let tail = { cursor: start, entries: 0, applied: 0 };
    let applied = 0;
    do {
      tail = await tailOnce(
        source,
        tail.cursor,
        async (collection, ids) => {
          await target.upsertMany(collection, await source.getMany(collection, ids));
        },
        7,
      );
      applied += tail.applied;
    } while (tail.entries > 0);
    expect(applied).toBeGreaterThan(0);
    expect(tail.cursor).toBe(await source.changeHead());
    const ids = Array.from({ length: 220 }, (_, i) => String(i + 1));
    // The memory store answers in its insertion order (the backfill's foreign-id string order).
    const byId = (docs: StoredDocument[]) => new Map(docs.map((d) => [d.foreign_id, d]));
    expect(byId(await target.getMany('messages', ids))).toEqual(byId(await source.getMany('messages', ids)));
    expect(await target.count('messages', { includeDeleted: true })).toBe(
      await source.count('messages', { includeDeleted: true }),
    );
    expect(await target.count('messages')).toBe(await source.count('messages'));
  });
});
