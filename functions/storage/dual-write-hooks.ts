/** What the functions Worker does when a migration's dual-write loses its second write. */
import { componentTelemetry, type TelemetrySink } from '@promethean/shared/agent/telemetry';
import type { StoragePortHooks } from './tenant-storage-ports.ts';

/** Counts `n` documents or vectors whose second write failed (the ops recorder's `dualWriteFailed`). */
export type DualWriteFailed = (store: 'documents' | 'vectors', n: number) => void;

/**
 * A dual-write's failed second write is logged and counted, never silent; it is not retried here because
 * the migration's change-log tail already copies every change of the first store into the second (the
 * store move's CDC, the re-embed's `tail()`), so the failure only delays the copy.
 */
export function dualWriteHooks(
  tenant: { provider: string; tenant: string },
  counted?: DualWriteFailed,
  sink?: TelemetrySink,
): StoragePortHooks {
  const log = () => componentTelemetry('dual-write', tenant, sink);
  return {
    onSecondaryDocumentWriteFailure: (backend, collection, documents, error) => {
      log().warn("second document write failed; the store move's CDC will copy it", {
        backend,
        collection,
        documents,
        error: String(error),
      });
      counted?.('documents', documents);
    },
    onSecondaryVectorWriteFailure: (collection, name, ids, error) => {
      log().warn("second vector write failed; the re-embed's tail will copy it", {
        collection,
        chroma_collection: name,
        vectors: ids.length,
        error: String(error),
      });
      counted?.('vectors', ids.length);
    },
  };
}
