/**
 * The migration benches' searcher: a reader that embeds with the model its collection is pinned to, as the
 * search agent does once a tenant's model follows the re-embed. A routing flip between its pin read and
 * its query answers "another model" (never a failed search), and it asks once more with the new pin.
 */
import { hashedEmbedding } from '@promethean/functions/models/offline-embedding';
import type { EmbeddingSpec, VectorMatch, VectorStore } from '@promethean/shared/effects/effect-ports';
import { modelMatchedQuery } from '@promethean/shared/effects/model-matched-query';

export class SearchUnansweredError extends Error {
  override readonly name = 'SearchUnansweredError';
}

export async function followingSearch(vectors: VectorStore, text = 'ducks paddle'): Promise<VectorMatch[]> {
  let spec: EmbeddingSpec | undefined = await vectors.pinned('messages');
  for (let attempt = 0; spec && attempt < 2; attempt++) {
    const vector = hashedEmbedding(text, spec.dimension);
    const answer = await modelMatchedQuery(vectors, 'messages', { vector, spec }, 5);
    if (answer.kind === 'matches') return answer.matches;
    spec = answer.kind === 'model-mismatch' ? answer.pinned : undefined;
  }
  throw new SearchUnansweredError(
    'the searched collection is absent or changed model twice during one search',
  );
}
