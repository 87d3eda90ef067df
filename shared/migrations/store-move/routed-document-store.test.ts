import { describe, expect, it } from 'vitest';
import type { StoredDocument } from '../../effects/document-store.ts';
import { MemoryDocumentStore } from '../../effects/memory-document-store.ts';
import { type ControlStore, MemoryControlStore } from '../control-store.ts';
import { RoutedDocumentStore } from './routed-document-store.ts';
import { StoreMoveMigration } from './store-move-migration.ts';

const scope = { provider: 'contract', tenant: 'routed' };

function message(i: number, text = 'hello'): StoredDocument {
  return {
    ...scope,
    foreign_id: String(1_600_000_000_000_000_000n + BigInt(i)),
    urn: `urn:contract:message:routed:${i}`,
    index: { channel_id: 'c1' },
    slots: { created: { version: '1', value: { content: `${text} ${i}` } } },
  };
}

/** A control store that counts reads and can be made to fail them. */
class CountingControl implements ControlStore {
  readonly inner = new MemoryControlStore();
  reads = 0;
  failNext = false;
  async readMeta(key: string) {
    this.reads++;
    if (this.failNext) {
      this.failNext = false;
      throw new Error('control store down');
    }
    return this.inner.readMeta(key);
  }
  compareAndSetMeta(key: string, expected: string | null, value: string) {
    return this.inner.compareAndSetMeta(key, expected, value);
  }
}

describe('RoutedDocumentStore with routingOncePerInstance', () => {
  it('reads the routing once per instance, and again after a failed read', async () => {
    const control = new CountingControl();
    const stores = { sqlite: new MemoryDocumentStore(scope), mongodb: new MemoryDocumentStore(scope) };
    const held = new RoutedDocumentStore({
      control,
      stores,
      configured: 'sqlite',
      routingOncePerInstance: true,
    });
    control.failNext = true;
    await expect(held.get('messages', message(1).foreign_id)).rejects.toThrow('control store down');
    await held.upsertMany('messages', [message(1)]);
    await held.get('messages', message(1).foreign_id);
    await held.count('messages');
    expect(control.reads).toBe(2);
    const perCall = new RoutedDocumentStore({ control, stores, configured: 'sqlite' });
    await perCall.get('messages', message(1).foreign_id);
    await perCall.count('messages');
    expect(control.reads).toBe(4);
  });

  it('loses nothing from a writer that held the routing from before dual-write past the cutover', async () => {
    const control = new MemoryControlStore();
    const stores = { sqlite: new MemoryDocumentStore(scope), mongodb: new MemoryDocumentStore(scope) };
    await stores.sqlite.upsertMany(
      'messages',
      Array.from({ length: 12 }, (_, i) => message(i)),
    );
    const migration = new StoreMoveMigration({ control, stores, pageSize: 5 });
    await migration.start({
      id: 'm1',
      from: 'sqlite',
      to: 'mongodb',
      goal: 'dual_write',
      collections: ['messages'],
    });
    // An invocation that started before dual-write: it holds read sqlite, write [sqlite].
    const stale = new RoutedDocumentStore({
      control,
      stores,
      configured: 'sqlite',
      routingOncePerInstance: true,
    });
    await stale.get('messages', message(0).foreign_id);
    let step = await migration.step();
    for (let i = 0; step.more && i < 50; i++) step = await migration.step();
    expect(step.state.phase).toBe('dual_write');
    await migration.cutover();
    // Written after the flip and its drains, to the old store only.
    await stale.upsertMany('messages', [message(50, 'late'), message(3, 'edited late')]);
    expect(await stores.mongodb.get('messages', message(50).foreign_id)).toBeUndefined();
    step = await migration.step();
    for (let i = 0; step.more && i < 50; i++) step = await migration.step();
    const fresh = new RoutedDocumentStore({
      control,
      stores,
      configured: 'sqlite',
      routingOncePerInstance: true,
    });
    expect(await fresh.get('messages', message(50).foreign_id)).toEqual(
      await stores.sqlite.get('messages', message(50).foreign_id),
    );
    expect(step.state.verification).toMatchObject({ documents: 13, verified: 13, differing: 0 });
  });
});
