/**
 * The status page's search box: embeds the query with the tenant's ModelPort and asks its `messages`
 * vector collection for the nearest messages — the same steps as the `/search` command — and says which
 * part failed (model, vector store) instead of throwing, so the page renders whatever is down.
 */
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { EffectPorts, VectorMatch } from '@promethean/shared/effects/effect-ports';
import { modelMatchedQuery } from '@promethean/shared/effects/model-matched-query';
import { within } from '@promethean/shared/ops/bounded-wait';
import { fromUrn } from '@promethean/shared/platform/urns';
import { messageView } from '../agents/message-indexer/message-document.ts';

/** Each step (embed, pin check, query, author lookups) must answer within this long. */
export const SEARCH_STEP_TIMEOUT_MS = 5_000;
/** Results a search asks for unless told otherwise, and the most it may ask for. */
export const SEARCH_DEFAULT_K = 5;
export const SEARCH_MAX_K = 20;

export interface SearchHit {
  urn: string;
  text: string;
  channel_id: string;
  author_id: string | undefined;
  /** From the message document, when the store answers. */
  author_name: string | undefined;
  created_at: string | undefined;
  distance: number;
}

export type SearchOutcome =
  | { kind: 'results'; model: string; offline: boolean; hits: SearchHit[] }
  | { kind: 'no-vectors' }
  | { kind: 'nothing-indexed'; model: string; offline: boolean }
  | { kind: 'model-mismatch'; pinned: string; used: string }
  | { kind: 'unavailable'; part: 'model' | 'vector store'; message: string };

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function bounded<T>(work: Promise<T>, what: string, timeoutMs: number): Promise<T> {
  return within(work, timeoutMs, () => new Error(`${what} did not answer within ${timeoutMs} ms`));
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Author names from the message documents; a store that fails or is slow only costs the names. */
async function authorNames(
  documents: DocumentStore | undefined,
  matches: readonly VectorMatch[],
  timeoutMs: number,
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (!documents) return names;
  await Promise.all(
    matches.map(async (m) => {
      try {
        const doc = await bounded(
          documents.get('messages', fromUrn(m.id).id),
          'the document store',
          timeoutMs,
        );
        const name = doc ? messageView(doc).author?.name : undefined;
        if (name) names.set(m.id, name);
      } catch {
        // The vector's own metadata still names the author's id.
      }
    }),
  );
  return names;
}

function hitOf(m: VectorMatch, names: Map<string, string>): SearchHit {
  return {
    urn: m.id,
    text: m.document,
    channel_id: text(m.metadata.channel_id) ?? '?',
    author_id: text(m.metadata.author_id),
    author_name: names.get(m.id),
    created_at: text(m.metadata.created_at),
    distance: m.distance,
  };
}

/** Runs one search over a tenant's ports. Never throws: a failing part becomes an `unavailable` outcome. */
export async function searchMessages(
  ports: EffectPorts,
  query: string,
  k: number,
  timeoutMs = SEARCH_STEP_TIMEOUT_MS,
): Promise<SearchOutcome> {
  const { models, vectors } = ports;
  if (!vectors) return { kind: 'no-vectors' };
  if (!models) return { kind: 'unavailable', part: 'model', message: 'no model is configured' };
  let embedded: Awaited<ReturnType<typeof models.embed>>;
  try {
    embedded = await bounded(models.embed([query]), 'the embedding model', timeoutMs);
  } catch (e) {
    return { kind: 'unavailable', part: 'model', message: reason(e) };
  }
  try {
    const answer = await bounded(
      modelMatchedQuery(
        vectors,
        'messages',
        { vector: embedded.vectors[0] ?? [], spec: { model: embedded.model, dimension: embedded.dimension } },
        k,
      ),
      'the vector store',
      timeoutMs,
    );
    if (answer.kind === 'nothing-indexed')
      return { kind: 'nothing-indexed', model: embedded.model, offline: embedded.offline };
    if (answer.kind === 'model-mismatch') {
      const { pinned } = answer;
      return {
        kind: 'model-mismatch',
        pinned: `${pinned.model} (${pinned.dimension} dimensions)`,
        used: `${embedded.model} (${embedded.dimension} dimensions)`,
      };
    }
    const { matches } = answer;
    const names = await authorNames(ports.documents, matches, timeoutMs);
    return {
      kind: 'results',
      model: embedded.model,
      offline: embedded.offline,
      hits: matches.map((m) => hitOf(m, names)),
    };
  } catch (e) {
    return { kind: 'unavailable', part: 'vector store', message: reason(e) };
  }
}
