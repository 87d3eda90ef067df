/**
 * Builds a tenant's storage ports from its `providers.yml` entry and this Worker's bindings: documents in
 * `TenantDocuments` (sqlite, the default) or `MongoDocuments` (mongodb; needs MONGODB_URI), vectors in
 * Chroma at CHROMA_URL (chroma, the default) or none. DOCUMENT_STORE_OVERRIDE moves every tenant of the
 * deployment to one document backend.
 */

import { ChromaVectorStore } from '@promethean/shared/effects/chroma-vector-store';
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { EffectPorts, VectorStore } from '@promethean/shared/effects/effect-ports';
import { StorageConfigurationError } from '@promethean/shared/effects/storage-errors';
import { type DataTarget, parseDataTarget } from '@promethean/shared/migrations/target-marker';
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import { DurableObjectDocumentStore } from './durable-object-document-store.ts';
import { misconfiguredDocumentStore, misconfiguredVectorStore } from './misconfigured-stores.ts';
import { readStorageEnv, type StorageEnv } from './storage-env.ts';

/** Which document backend serves `tenant` in this deployment. */
export function documentBackendOf(tenant: TenantView, settings: StorageEnv): 'sqlite' | 'mongodb' {
  return settings.documentStoreOverride ?? tenant.config.storage.documents;
}

function documentStore(env: FunctionsEnv, tenant: TenantView, settings: StorageEnv): DocumentStore {
  if (documentBackendOf(tenant, settings) === 'sqlite') {
    return new DurableObjectDocumentStore(env.TENANT_DOCUMENTS, tenant.provider, tenant.tenant);
  }
  if (!settings.mongodbUri) {
    const why = settings.documentStoreOverride ? 'DOCUMENT_STORE_OVERRIDE=mongodb' : 'providers.yml';
    return misconfiguredDocumentStore(
      new StorageConfigurationError(
        `tenant ${tenant.provider}/${tenant.tenant} stores documents in MongoDB (${why}) but MONGODB_URI is ` +
          'not set on promethean-functions (wrangler secret put MONGODB_URI, or .dev.vars locally)',
        'MONGODB_URI',
        { provider: tenant.provider, tenant: tenant.tenant },
      ),
    );
  }
  return new DurableObjectDocumentStore(env.MONGO_DOCUMENTS, tenant.provider, tenant.tenant);
}

function vectorStore(tenant: TenantView, settings: StorageEnv, target: DataTarget): VectorStore | undefined {
  if (tenant.config.storage.vectors === 'none') return undefined;
  return new ChromaVectorStore({
    url: settings.chromaUrl,
    provider: tenant.provider,
    tenant: tenant.tenant,
    target,
  });
}

/** The tenant's `documents` and `vectors` ports (vectors absent for `storage.vectors: none`). */
export function tenantStoragePorts(
  env: FunctionsEnv,
  tenant: TenantView,
): Pick<EffectPorts, 'documents' | 'vectors'> {
  let settings: StorageEnv;
  let target: DataTarget;
  try {
    settings = readStorageEnv(env);
    target = parseDataTarget(env.DATA_TARGET ?? 'working', 'DATA_TARGET');
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    return {
      documents: misconfiguredDocumentStore(failure),
      ...(tenant.config.storage.vectors !== 'none' && { vectors: misconfiguredVectorStore(failure) }),
    };
  }
  const vectors = vectorStore(tenant, settings, target);
  return { documents: documentStore(env, tenant, settings), ...(vectors && { vectors }) };
}
