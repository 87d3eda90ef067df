/**
 * Builds a tenant's storage ports from its `providers.yml` entry and this Worker's bindings: documents in
 * `TenantDocuments` (sqlite, the default) or `MongoDocuments` (mongodb; needs MONGODB_URI), vectors in
 * Chroma at CHROMA_URL (chroma, the default) or none. DOCUMENT_STORE_OVERRIDE moves every tenant of the
 * deployment to one document backend.
 *
 * Both ports follow the tenant's migrations on every call: documents the routing a store move writes
 * (`RoutedDocumentStore`; reads flip at its cutover, writes go to both stores during dual-write), vectors
 * the routing a re-embed writes (`RoutedVectorStore`; searches and the embedder follow its cutover and
 * rollback). A tenant no migration ever touched reads one absent control value per invocation and is served
 * exactly as configured.
 */

import { ChromaVectorStore } from '@promethean/shared/effects/chroma-vector-store';
import type { DocumentChangeLog } from '@promethean/shared/effects/document-change-log';
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { EffectPorts, VectorCollection, VectorStore } from '@promethean/shared/effects/effect-ports';
import { StorageConfigurationError } from '@promethean/shared/effects/storage-errors';
import { DECLARED_VECTOR_METADATA_KEYS } from '@promethean/shared/effects/vector-schema';
import { RoutedVectorStore } from '@promethean/shared/migrations/reembed/routed-vector-store';
import type { DocumentBackend } from '@promethean/shared/migrations/store-move/document-routing';
import { RoutedDocumentStore } from '@promethean/shared/migrations/store-move/routed-document-store';
import { type DataTarget, parseDataTarget } from '@promethean/shared/migrations/target-marker';
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import { DurableObjectControlStore } from './durable-object-control-store.ts';
import { DurableObjectDocumentStore } from './durable-object-document-store.ts';
import { misconfiguredDocumentStore, misconfiguredVectorStore } from './misconfigured-stores.ts';
import { readStorageEnv, type StorageEnv } from './storage-env.ts';

/** Which document backend serves `tenant` in this deployment (before any store move's routing). */
export function documentBackendOf(tenant: TenantView, settings: StorageEnv): 'sqlite' | 'mongodb' {
  return settings.documentStoreOverride ?? tenant.config.storage.documents;
}

/** Migration failures of a second write; the ops layer counts them (see migration metrics). */
export interface StoragePortHooks {
  onSecondaryDocumentWriteFailure?: (
    backend: DocumentBackend,
    collection: string,
    documents: number,
    error: unknown,
  ) => void;
  onSecondaryVectorWriteFailure?: (
    collection: VectorCollection,
    name: string,
    ids: string[],
    error: unknown,
  ) => void;
}

/** One backend's store, whether or not this tenant is configured for it (a store move needs both). */
export function documentStoreOn(
  env: FunctionsEnv,
  tenant: { provider: string; tenant: string },
  backend: DocumentBackend,
  settings: StorageEnv,
  why = 'providers.yml',
): DocumentStore & DocumentChangeLog {
  if (backend === 'sqlite') {
    return new DurableObjectDocumentStore(env.TENANT_DOCUMENTS, tenant.provider, tenant.tenant);
  }
  if (!settings.mongodbUri) {
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

function documentStore(
  env: FunctionsEnv,
  tenant: TenantView,
  settings: StorageEnv,
  hooks: StoragePortHooks,
): DocumentStore {
  const configured = documentBackendOf(tenant, settings);
  // A deployment-wide override is an operator forcing one backend: no per-tenant routing applies.
  if (settings.documentStoreOverride) {
    return documentStoreOn(env, tenant, configured, settings, `DOCUMENT_STORE_OVERRIDE=${configured}`);
  }
  return new RoutedDocumentStore({
    control: new DurableObjectControlStore(env.TENANT_DOCUMENTS, tenant.provider, tenant.tenant),
    stores: {
      sqlite: documentStoreOn(env, tenant, 'sqlite', settings),
      mongodb: documentStoreOn(env, tenant, 'mongodb', settings),
    },
    configured,
    // The ports are built per message or request: one routing read per invocation, not per call.
    routingOncePerInstance: true,
    onSecondaryFailure: (backend, collection, error, n) =>
      hooks.onSecondaryDocumentWriteFailure?.(backend, collection, n, error),
  });
}

function vectorStore(
  tenant: TenantView,
  settings: StorageEnv,
  target: DataTarget,
  documents: DocumentStore,
  hooks: StoragePortHooks,
): VectorStore | undefined {
  if (tenant.config.storage.vectors === 'none') return undefined;
  const chroma = (names?: Partial<Record<VectorCollection, string>>) =>
    new ChromaVectorStore({
      url: settings.chromaUrl,
      provider: tenant.provider,
      tenant: tenant.tenant,
      target,
      ...(names && { names }),
      // The contract's keys: writes need no read of the records first (ChromaVectorStore).
      declaredMetadata: DECLARED_VECTOR_METADATA_KEYS,
    });
  return new RoutedVectorStore({
    documents,
    fallback: chroma(),
    storeFor: (collection, name) => chroma({ [collection]: name }),
    onSecondaryFailure: (collection, name, ids, error) =>
      hooks.onSecondaryVectorWriteFailure?.(collection, name, ids, error),
  });
}

/** The tenant's `documents` and `vectors` ports (vectors absent for `storage.vectors: none`). */
export function tenantStoragePorts(
  env: FunctionsEnv,
  tenant: TenantView,
  hooks: StoragePortHooks = {},
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
  const documents = documentStore(env, tenant, settings, hooks);
  const vectors = vectorStore(tenant, settings, target, documents, hooks);
  return { documents, ...(vectors && { vectors }) };
}
