import { describe, expect, it } from 'vitest';
import type { StoredDocument } from '../../effects/document-store.ts';
import { MemoryDocumentStore } from '../../effects/memory-document-store.ts';
import { MemoryControlStore } from '../control-store.ts';
import { StoreMoveMigration } from './store-move-migration.ts';
import { verifyStoreMove } from './store-move-verifier.ts';

const scope = { provider: 'contract', tenant: 'verify' };
const at = () => new Date('2026-12-03T00:00:00.000Z');

function message(i: number, text = 'hello'): StoredDocument {
  return {
    ...scope,
    foreign_id: String(1_400_000_000_000_000_000n + BigInt(i)),
    urn: `urn:contract:message:verify:${i}`,
    index: { channel_id: `c${i % 3}` },
    slots: { created: { version: '1', value: { content: `${text} ${i}` } } },
  };
}

describe('verifyStoreMove', () => {
  it('counts documents equal in both stores and names each one that differs, is missing or is extra', async () => {
    const from = new MemoryDocumentStore(scope);
    const to = new MemoryDocumentStore(scope);
    const docs = Array.from({ length: 40 }, (_, i) => message(i));
    await from.upsertMany('messages', docs);
    await to.upsertMany('messages', docs.slice(1));
    await to.upsertMany('messages', [{ ...message(7), slots: { edit: { version: '2', value: 'drift' } } }]);
    await to.upsertMany('messages', [message(99)]);
    const report = await verifyStoreMove(from, to, ['messages'], at);
    expect(report).toMatchObject({ documents: 41, verified: 38, differing: 3 });
    expect(report.differing_ids.sort()).toEqual(
      [0, 7, 99].map((i) => `messages:${String(1_400_000_000_000_000_000n + BigInt(i))}`).sort(),
    );
    const equal = await verifyStoreMove(from, from, ['messages'], at);
    expect(equal).toMatchObject({ documents: 40, verified: 40, differing: 0, ranges_compared: 1 });
  });

  it('repairs what it found: the new store made what the old one holds, then compared equal', async () => {
    const from = new MemoryDocumentStore(scope);
    const to = new MemoryDocumentStore(scope);
    const docs = Array.from({ length: 30 }, (_, i) => message(i));
    await from.upsertMany('messages', docs);
    await from.upsertMany('messages', [{ ...message(5), slots: { deleted: { version: '3', value: true } } }]);
    await to.upsertMany('messages', docs);
    await to.upsertMany('messages', [{ ...message(5), slots: { deleted: { version: '3', value: true } } }]);
    // Behind the move's back, in the new store: a tombstone, a newer text, an orphan, a tombstone undone.
    await to.upsertMany('messages', [{ ...message(1), slots: { deleted: { version: '9', value: true } } }]);
    await to.upsertMany('messages', [
      { ...message(2), slots: { created: { version: '9', value: 'drift' } } },
    ]);
    await to.upsertMany('messages', [message(77)]);
    await to.restore('messages', scope, [message(5)], []);
    const head = await to.changeHead();
    const report = await verifyStoreMove(from, to, ['messages'], at, { repair: true });
    expect(report).toMatchObject({ documents: 31, differing: 4, repaired: 4 });
    // Each repaired document is in the new store's change log (a tailer sees the repair).
    expect((await to.changesAfter(head, 100)).map((c) => c.foreign_id).sort()).toEqual(
      [1, 2, 5, 77].map((i) => String(1_400_000_000_000_000_000n + BigInt(i))).sort(),
    );
    expect(await verifyStoreMove(from, to, ['messages'], at)).toMatchObject({ documents: 30, differing: 0 });
    expect(await to.get('messages', message(77).foreign_id)).toBeUndefined();
    expect(await to.getMany('messages', [message(2).foreign_id])).toEqual([message(2)]);
  });

  it('keeps the figure in the move once the log is drained after cutover', async () => {
    const stores = { sqlite: new MemoryDocumentStore(scope), mongodb: new MemoryDocumentStore(scope) };
    await stores.sqlite.upsertMany(
      'messages',
      Array.from({ length: 25 }, (_, i) => message(i)),
    );
    const control = new MemoryControlStore();
    const migration = new StoreMoveMigration({ control, stores, pageSize: 10, now: at });
    await migration.start({
      id: 'm1',
      from: 'sqlite',
      to: 'mongodb',
      goal: 'cut_over',
      collections: ['messages'],
    });
    let step = await migration.step();
    // Written behind the backfill: CDC carries it over before cutover.
    await stores.sqlite.upsertMany('messages', [message(3, 'edited')]);
    while (step.more) step = await migration.step();
    expect(step.state.phase).toBe('cut_over');
    expect(step.state.verification).toMatchObject({ documents: 25, verified: 25, differing: 0 });
  });
});
