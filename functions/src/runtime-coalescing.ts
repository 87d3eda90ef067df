/**
 * The runtime's shared document, embedding and vector round trips (docs/operations.md, Cost): one
 * coalescing document store, one coalescing embedder and one coalescing vector store per tenant for the
 * life of a runtime (one queue batch or one request), so the invocations of a batch meet in them.
 * `DOCUMENT_COALESCING=off`, `EMBED_COALESCING=off` and `VECTOR_COALESCING=off` turn them off
 * (bench:cost's baseline).
 */
import { CoalescingDocumentStore } from '@promethean/shared/effects/coalescing-document-store';
import { withCoalescedEmbeddings } from '@promethean/shared/effects/coalescing-embeddings';
import { CoalescingVectorStore } from '@promethean/shared/effects/coalescing-vector-store';
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { EffectPorts, ModelPort, VectorStore } from '@promethean/shared/effects/effect-ports';
import type { TenantView } from '@promethean/shared/platform/provider-registry';

export class RuntimeCoalescing {
  readonly #documents: boolean;
  readonly #embeddings: boolean;
  readonly #vectors: boolean;
  readonly #byTenant = new Map<
    string,
    { documents?: DocumentStore; models?: ModelPort; vectors?: VectorStore }
  >();

  constructor(vars: {
    DOCUMENT_COALESCING?: unknown;
    EMBED_COALESCING?: unknown;
    VECTOR_COALESCING?: unknown;
  }) {
    this.#documents = vars.DOCUMENT_COALESCING !== 'off';
    this.#embeddings = vars.EMBED_COALESCING !== 'off';
    this.#vectors = vars.VECTOR_COALESCING !== 'off';
  }

  /**
   * The tenant's ports with the runtime's shared documents and models in place. The first ports seen for a
   * tenant become the targets: later calls build equal ports (same bindings, same tenant).
   */
  apply(tenant: TenantView, ports: EffectPorts): EffectPorts {
    const key = `${tenant.provider}/${tenant.tenant}`;
    let shared = this.#byTenant.get(key);
    if (!shared) {
      shared = {
        ...(this.#documents &&
          ports.documents && { documents: new CoalescingDocumentStore(ports.documents) }),
        ...(this.#embeddings && ports.models && { models: withCoalescedEmbeddings(ports.models) }),
        // Also one vector client per tenant per runtime: its collection lookup is made once, not per call.
        ...(this.#vectors && ports.vectors && { vectors: new CoalescingVectorStore(ports.vectors) }),
      };
      this.#byTenant.set(key, shared);
    }
    return {
      ...ports,
      ...(shared.documents && { documents: shared.documents }),
      ...(shared.models && { models: shared.models }),
      ...(shared.vectors && { vectors: shared.vectors }),
    };
  }
}
