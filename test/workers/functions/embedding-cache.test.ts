/**
 * The embedding cache on the functions Worker's real wiring inside workerd: `createFunctionsRuntime` puts
 * every tenant's models behind a cache kept in that tenant's TenantDocuments Durable Object.
 */
import { env } from 'cloudflare:workers';
import { EMBEDDING_CACHE_COLLECTION } from '@promethean/shared/effects/embedding-cache';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { describe, expect, it } from 'vitest';
import { createFunctionsRuntime } from '../../../functions/src/runtime-dependencies.ts';

const suffix = Math.random().toString(36).slice(2, 8);
const [alpha, beta] = [`cache-a-${suffix}`, `cache-b-${suffix}`];
const registry = ProviderRegistry.fromYaml(`
version: 1
providers:
  echo:
    adapter: echo
    tenants:
      ${alpha}: {}
      ${beta}: {}
`);

function portsFor(tenant: string, lookups: Array<{ hits: number; misses: number }>, vars = {}) {
  const { deps } = createFunctionsRuntime({ ...env, ...vars } as FunctionsEnv, undefined, {
    embedLookup: (l) => lookups.push(l),
  });
  const ports = deps.ports;
  if (typeof ports !== 'function') throw new Error('expected tenant-scoped ports');
  return ports(registry.tenant('echo', tenant));
}

describe('embedding cache in the Worker', () => {
  it('answers repeated text from the tenant store, misses for another tenant', async () => {
    const lookups: Array<{ hits: number; misses: number }> = [];
    // Short texts skip the cache by default (EMBED_CACHE_MIN_BYTES): 0 caches these.
    const everything = { EMBED_CACHE_MIN_BYTES: '0' };
    const a = portsFor(alpha, lookups, everything);
    const first = await a.models!.embed(['the same words', 'other words']);
    // A fresh runtime (a later batch, maybe another isolate) still finds them: the cache is in the store.
    const again = await portsFor(alpha, lookups, everything).models!.embed(['the same words', 'other words']);
    expect(again.vectors).toEqual(first.vectors);
    expect(again).toMatchObject({ model: 'offline-embed', offline: true });
    await portsFor(beta, lookups, everything).models!.embed(['the same words']);
    expect(lookups).toEqual([
      { hits: 0, misses: 2 },
      { hits: 2, misses: 0 },
      { hits: 0, misses: 1 },
    ]);
    expect(await a.documents!.count(EMBEDDING_CACHE_COLLECTION)).toBe(2);
    const [betaEntry] = await portsFor(beta, []).documents!.find(EMBEDDING_CACHE_COLLECTION, {});
    expect(betaEntry).toMatchObject({ provider: 'echo', tenant: beta });
    expect(JSON.stringify(betaEntry)).not.toContain('the same words');
  });

  it('by default keeps only texts of at least 400 bytes, and refuses a floor that is not a whole number', async () => {
    const lookups: Array<{ hits: number; misses: number }> = [];
    const ports = () => portsFor(beta, lookups);
    const long = 'a paragraph long enough to be worth remembering. '.repeat(9);
    await ports().models!.embed(['a chat line', long]);
    await ports().models!.embed(['a chat line', long]);
    // The chat line goes to the model each time (a miss); the paragraph is answered from the store.
    expect(lookups).toEqual([
      { hits: 0, misses: 1 },
      { hits: 0, misses: 1 },
      { hits: 1, misses: 0 },
      { hits: 0, misses: 1 },
    ]);
    // A floor that does not parse is an invalid model setting, named as such.
    const broken = async () =>
      portsFor(alpha, lookups, { EMBED_CACHE_MIN_BYTES: 'lots' }).models!.embed(['x']);
    await expect(broken()).rejects.toThrow(/invalid model settings: EMBED_CACHE_MIN_BYTES/);
  });
});
