/**
 * The `reembed` port of one tenant on this Worker: its re-embed over the tenant's routed document store
 * (state and vector routing in `jobs`, where `RoutedVectorStore` reads them), the change log of the store
 * that takes its writes first, Chroma at CHROMA_URL, and the model port pinned to each collection's model.
 */

import { ChromaVectorStore } from '@promethean/shared/effects/chroma-vector-store';
import type { EmbeddingSpec } from '@promethean/shared/effects/effect-ports';
import type { Embedder } from '@promethean/shared/migrations/integrity/vector-source';
import { type ReembedPort, reembedPort } from '@promethean/shared/migrations/reembed/reembed-port';
import { readDocumentRouting } from '@promethean/shared/migrations/store-move/document-routing';
import { parseDataTarget } from '@promethean/shared/migrations/target-marker';
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import { messageVectorSource } from '../agents/message-embedder/message-vector-source.ts';
import { createModelPort } from '../models/model-port-factory.ts';
import { DurableObjectControlStore } from './durable-object-control-store.ts';
import { readStorageEnv } from './storage-env.ts';
import { documentBackendOf, documentStoreOn, tenantStoragePorts } from './tenant-storage-ports.ts';

export interface TenantReembedOptions {
  /** The model calls (the deployment's model port set to the collection's model by default). */
  embedderFor?: (spec: EmbeddingSpec) => Embedder;
  pageSize?: number;
  /** Backfill pages one step writes (`ReembedOptions.pagesPerStep`). */
  pagesPerStep?: number;
}

/** The deployment's model settings with the embedding model and dimension of `spec`. */
function deploymentEmbedder(env: FunctionsEnv, tenant: TenantView): (spec: EmbeddingSpec) => Embedder {
  return (spec) => {
    const models = createModelPort(
      { ...env, EMBED_MODEL: spec.model, EMBED_DIMENSIONS: String(spec.dimension) },
      { scope: { provider: tenant.provider, tenant: tenant.tenant } },
    );
    return (texts) => models.embed(texts);
  };
}

export function tenantReembedPort(
  env: FunctionsEnv,
  tenant: TenantView,
  o: TenantReembedOptions = {},
): ReembedPort | undefined {
  if (tenant.config.storage.vectors === 'none') return undefined;
  const settings = readStorageEnv(env);
  const scope = { provider: tenant.provider, tenant: tenant.tenant };
  const target = parseDataTarget(env.DATA_TARGET ?? 'working', 'DATA_TARGET');
  const { documents } = tenantStoragePorts(env, tenant);
  const control = new DurableObjectControlStore(env.TENANT_DOCUMENTS, scope.provider, scope.tenant);
  // The log of whichever store takes the tenant's writes first now (a store move's cutover changes it).
  const primary = async () => {
    const backend = settings.documentStoreOverride
      ? documentBackendOf(tenant, settings)
      : ((await readDocumentRouting(control)).routing?.read ?? documentBackendOf(tenant, settings));
    return documentStoreOn(env, scope, backend, settings);
  };
  return reembedPort({
    scope,
    documents: documents!,
    changeLog: () => ({
      changeHead: async () => (await primary()).changeHead(),
      changesAfter: async (after, limit) => (await primary()).changesAfter(after, limit),
    }),
    chromaUrl: settings.chromaUrl,
    embedderFor: o.embedderFor ?? deploymentEmbedder(env, tenant),
    currentPin: () => new ChromaVectorStore({ url: settings.chromaUrl, ...scope, target }).pinned('messages'),
    sourceOf: messageVectorSource,
    target,
    ...(o.pageSize !== undefined && { pageSize: o.pageSize }),
    ...(o.pagesPerStep !== undefined && { pagesPerStep: o.pagesPerStep }),
  });
}
