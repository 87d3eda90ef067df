import { commitConfigChange, EMPTY_TENANT_CONFIG } from '@promethean/shared/agent/tenant-config';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { describe, expect, it } from 'vitest';
import { TenantConfigReads } from './tenant-config-reads.ts';

const scope = { provider: 'discord', tenant: 'duck' };

function countingStore() {
  const store = new MemoryDocumentStore(scope);
  let gets = 0;
  const get = store.get.bind(store);
  store.get = async (...args) => {
    gets++;
    return get(...args);
  };
  return { store, gets: () => gets };
}

const change = (reply_context_k: number, patch_id: string) => ({
  agent: 'cephalon',
  settings: { reply_context_k },
  changed: ['reply_context_k'],
  patch_id,
  actor: 'ops:test',
  at: '2026-12-02T20:00:00.000Z',
});

describe('TenantConfigReads', () => {
  it('reads once per runtime and again after a config write through its ports', async () => {
    const { store, gets } = countingStore();
    const reads = new TenantConfigReads(undefined);
    const documents = reads.watching(store, scope);
    expect(await reads.read(documents, scope)).toEqual(EMPTY_TENANT_CONFIG);
    await reads.read(documents, scope);
    expect(gets()).toBe(1);
    // Other collections leave the read alone.
    await documents.upsertMany('messages', []);
    await reads.read(documents, scope);
    expect(gets()).toBe(1);
    await commitConfigChange(documents, scope, EMPTY_TENANT_CONFIG, change(2, 'p1'));
    const after = await reads.read(documents, scope);
    expect(after.agents.cephalon).toEqual({ reply_context_k: 2 });
  });

  it('reads on every call in the per-invocation mode', async () => {
    const { store, gets } = countingStore();
    const reads = new TenantConfigReads('per-invocation');
    await reads.read(store, scope);
    await reads.read(store, scope);
    expect(gets()).toBe(2);
  });

  it('does not keep a failed read', async () => {
    const { store, gets } = countingStore();
    const get = store.get.bind(store);
    let fail = true;
    store.get = async (...args) => {
      if (fail) {
        fail = false;
        await get(...args);
        throw new Error('store unavailable');
      }
      return get(...args);
    };
    const reads = new TenantConfigReads(undefined);
    await expect(reads.read(store, scope)).rejects.toThrow('store unavailable');
    expect(await reads.read(store, scope)).toEqual(EMPTY_TENANT_CONFIG);
    expect(gets()).toBe(2);
  });
});
