/**
 * The tag pass for one summarized page and the end of the dual sink, as the web-tagger agent (and the
 * local driver and the reconcile job) runs it: the page's tags are made, the summary's embedding goes
 * into Chroma's `web_summaries` under the page's id with the tags (without `#`) in its metadata, then
 * one document write stores the tags and a `vector` slot recording that text's vector is there (the
 * page and its summary are in the document store before Chroma is written). Each part is keyed by the
 * page's content hash, so a redelivery finds it done and writes nothing; a crash between Chroma and
 * the document write makes the tags again (temperature 0, the same tags) and rewrites the same vector
 * under the same id.
 */
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { EmbeddingSpec, ModelPort, VectorStore } from '@promethean/shared/effects/effect-ports';
import { crawlOf, type PageScope, pageSlotsDocument } from '@promethean/shared/web/page-graph';
import type { SummarySlot, TagsSlot, VectorSlot } from '@promethean/shared/web/page-graph-slots';
import {
  type PassPageRef,
  passSlotVersion,
  type StageTimer,
  type StalePage,
  untimed,
} from '../web-summarizer/page-summary-step.ts';
import { vectorMetadata, withRetries } from './summary-vector.ts';
import { tagPage } from './tag-pass.ts';

export type TagStep =
  | { kind: 'indexed'; wrote_tags: boolean; wrote_vector: boolean; tags: string[] }
  /** The page's summary for this text is not stored yet (the summarizer's event came first, or a reconcile). */
  | { kind: 'no_summary' }
  | StalePage;

export interface TagStepPorts {
  documents: DocumentStore;
  models: ModelPort;
  vectors: VectorStore;
  /** The embedding model and dimension `web_summaries` is pinned to; absent: the model's answer pins it. */
  embed_spec?: EmbeddingSpec | undefined;
  timed?: StageTimer | undefined;
}

export async function tagAndIndexPage(
  ports: TagStepPorts,
  scope: PageScope,
  ref: PassPageRef,
  options: { rewrite_vector?: boolean } = {},
): Promise<TagStep> {
  const timed = ports.timed ?? untimed;
  const doc = await ports.documents.get('pages', ref.page_id);
  const record = crawlOf(doc);
  if (!record) return { kind: 'stale', reason: 'missing' };
  if (record.content_sha256 !== ref.content_sha256) return { kind: 'stale', reason: 'changed' };
  const summary = doc?.slots.summary?.value as SummarySlot | undefined;
  if (summary?.content_sha256 !== ref.content_sha256) return { kind: 'no_summary' };
  const stored = doc?.slots.tags?.value as TagsSlot | undefined;
  const haveTags = stored?.content_sha256 === ref.content_sha256;
  const marked = doc?.slots.vector?.value as VectorSlot | undefined;
  if (haveTags && !options.rewrite_vector && marked?.content_sha256 === ref.content_sha256) {
    return { kind: 'indexed', wrote_tags: false, wrote_vector: false, tags: stored.tags };
  }
  // Tags not stored for this text are made now and stored with the vector's slot, after Chroma: one
  // document write per page instead of two (the vector carries the tags in its metadata either way).
  let tags: TagsSlot;
  if (haveTags) tags = stored;
  else {
    const made = await timed('tags', () => tagPage(ports.models, record));
    tags = {
      tags: made.tags,
      model: made.model,
      offline: made.offline,
      prompt: made.prompt,
      content_sha256: ref.content_sha256,
    };
  }
  const embedded = await timed('embed', () => ports.models.embed([summary.text]));
  const vector = embedded.vectors[0];
  if (!vector) throw new Error(`no embedding for page ${ref.page_id}`);
  const spec = ports.embed_spec ?? { model: embedded.model, dimension: embedded.dimension };
  const host = new URL(record.url).host;
  await timed('vector_write', () =>
    withRetries(3, () =>
      ports.vectors.upsert(
        'web_summaries',
        [
          {
            id: ref.page_id,
            embedding: vector,
            document: summary.text,
            metadata: vectorMetadata(record, host, tags.tags),
          },
        ],
        spec,
      ),
    ),
  );
  const slot: VectorSlot = {
    content_sha256: ref.content_sha256,
    model: embedded.model,
    dimension: embedded.dimension,
  };
  await ports.documents.upsertMany('pages', [
    pageSlotsDocument(
      scope,
      ref.page_id,
      passSlotVersion(ref),
      haveTags ? { vector: slot } : { tags, vector: slot },
    ),
  ]);
  return { kind: 'indexed', wrote_tags: !haveTags, wrote_vector: true, tags: tags.tags };
}
