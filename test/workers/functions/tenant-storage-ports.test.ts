/** How the functions Worker picks a tenant's storage from providers.yml and its bindings. */
import { env } from 'cloudflare:workers';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { describe, expect, it } from 'vitest';
import { documentObjectName } from '../../../functions/storage/document-object-name.ts';
import { tenantStoragePorts } from '../../../functions/storage/tenant-storage-ports.ts';

const run = Math.random().toString(36).slice(2, 8);
const registry = ProviderRegistry.fromYaml(`
version: 1
providers:
  contract:
    adapter: echo
    tenants:
      lite-${run}: { storage: { documents: sqlite, vectors: chroma } }
      mongo-${run}: { storage: { documents: mongodb, vectors: none } }
`);
const lite = registry.tenant('contract', `lite-${run}`);
const mongo = registry.tenant('contract', `mongo-${run}`);

function doc(tenant: string, id: string) {
  return {
    provider: 'contract',
    tenant,
    foreign_id: id,
    urn: `urn:contract:message:${tenant}:${id}`,
    index: { channel_id: 'c' },
    slots: { created: { version: '1', value: { id } } },
  };
}

/** The Worker env with some storage variables replaced (`undefined` removes one). */
function envWith(vars: Record<string, string | undefined>): FunctionsEnv {
  const copy: Record<string, unknown> = { ...env };
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete copy[name];
    else copy[name] = value;
  }
  return copy as unknown as FunctionsEnv;
}

async function countIn(namespace: 'TENANT_DOCUMENTS' | 'MONGO_DOCUMENTS', tenant: string): Promise<number> {
  const ns = env[namespace] as DurableObjectNamespace<
    import('../../../functions/src/index.ts').TenantDocuments
  >;
  return ns.get(ns.idFromName(documentObjectName({ provider: 'contract', tenant }))).count('messages');
}

describe('tenant storage ports', () => {
  it('keeps a sqlite tenant in TenantDocuments and gives it Chroma at CHROMA_URL', async () => {
    const ports = tenantStoragePorts(env, lite);
    await ports.documents?.upsertMany('messages', [doc(lite.tenant, '1')]);
    expect(await countIn('TENANT_DOCUMENTS', lite.tenant)).toBe(1);
    expect(await countIn('MONGO_DOCUMENTS', lite.tenant)).toBe(0);
    expect(await ports.vectors?.count('messages')).toBe(0);
  });

  it('keeps a mongodb tenant in MongoDocuments, and gives a vectors: none tenant no vector store', async () => {
    const ports = tenantStoragePorts(env, mongo);
    await ports.documents?.upsertMany('messages', [doc(mongo.tenant, '1'), doc(mongo.tenant, '2')]);
    expect(await countIn('MONGO_DOCUMENTS', mongo.tenant)).toBe(2);
    expect(ports.vectors).toBeUndefined();
  });

  it('fails a mongodb tenant without MONGODB_URI on use, naming the tenant and the variable', async () => {
    const ports = tenantStoragePorts(envWith({ MONGODB_URI: undefined }), mongo);
    const failure = ports.documents?.count('messages');
    await expect(failure).rejects.toMatchObject({
      name: 'StorageConfigurationError',
      variable: 'MONGODB_URI',
      retryAfterMs: 60_000,
      message: expect.stringMatching(new RegExp(`contract/mongo-${run}.*MONGODB_URI is not set`)),
    });
  });

  it('moves every tenant to one backend with DOCUMENT_STORE_OVERRIDE', async () => {
    const toMongo = tenantStoragePorts(envWith({ DOCUMENT_STORE_OVERRIDE: 'mongodb' }), lite);
    await toMongo.documents?.upsertMany('messages', [doc(lite.tenant, '9')]);
    expect(await countIn('MONGO_DOCUMENTS', lite.tenant)).toBe(1);
    const toSqlite = tenantStoragePorts(envWith({ DOCUMENT_STORE_OVERRIDE: 'sqlite' }), mongo);
    await toSqlite.documents?.upsertMany('messages', [doc(mongo.tenant, '9')]);
    expect(await countIn('TENANT_DOCUMENTS', mongo.tenant)).toBe(1);
  });

  it('refuses a malformed storage variable on first use, naming it', async () => {
    const bad = tenantStoragePorts(envWith({ DOCUMENT_STORE_OVERRIDE: 'postgres' }), lite);
    await expect(bad.documents?.count('messages')).rejects.toMatchObject({
      name: 'StorageConfigurationError',
      variable: 'DOCUMENT_STORE_OVERRIDE',
    });
    await expect(bad.vectors?.count('messages')).rejects.toMatchObject({
      variable: 'DOCUMENT_STORE_OVERRIDE',
    });
    const badUri = tenantStoragePorts(envWith({ MONGODB_URI: 'postgres://secret@host' }), mongo);
    const error = await badUri.documents?.count('messages').catch((e: unknown) => e);
    expect(error).toMatchObject({ variable: 'MONGODB_URI' });
    expect(String(error)).not.toContain('secret');
  });
});
