/** What a document's vector must hold (derived by the agent that embeds it), or why it has none. */
import type { StoredDocument } from '../../effects/document-store.ts';
import type { VectorRecord } from '../../effects/effect-ports.ts';

export type VectorSource =
  | { id: string; text: string; metadata: VectorRecord['metadata']; skip?: undefined }
  | { id: string; skip: string };

export type VectorSourceOf = (doc: StoredDocument) => VectorSource;

/** The embedding half of the model port (`ModelPort.embed`). */
export type Embedder = (
  texts: readonly string[],
) => Promise<{ model: string; dimension: number; vectors: number[][] }>;
