/**
 * 0003: the tenant's Chroma collections carry the target marker and chunker version the contract lists
 * (collections made before those keys existed have only the pin). The pin itself is never touched here:
 * changing a model means a re-embed into a new collection.
 */
import { CHUNKER_KEY, TARGET_KEY } from '../../effects/chroma-vector-store.ts';
import type { VectorCollection } from '../../effects/effect-ports.ts';
import { CHUNKER_VERSIONS, vectorCollectionName } from '../../effects/vector-schema.ts';
import type { MigrationStep } from '../migration-step.ts';

export const step0003VectorCollectionMetadata: MigrationStep = {
  version: 3,
  name: 'vector_collection_metadata',
  description: 'add the target marker and chunker version to the tenant’s Chroma collections',
  async up(ctx) {
    if (!ctx.chroma || !ctx.scope) return { changed: 0, notes: ['no Chroma or no documents: nothing to do'] };
    let changed = 0;
    const notes: string[] = [];
    for (const collection of Object.keys(CHUNKER_VERSIONS) as VectorCollection[]) {
      const name = vectorCollectionName(ctx.scope.provider, ctx.scope.tenant, collection);
      const col = await ctx.chroma.getCollection({ name }).catch(() => undefined);
      if (!col) continue;
      const meta = { ...(col.metadata ?? {}) };
      const wanted = {
        [TARGET_KEY]: meta[TARGET_KEY] ?? ctx.target,
        [CHUNKER_KEY]: meta[CHUNKER_KEY] ?? CHUNKER_VERSIONS[collection],
      };
      if (meta[TARGET_KEY] === wanted[TARGET_KEY] && meta[CHUNKER_KEY] === wanted[CHUNKER_KEY]) continue;
      await col.modify({ metadata: { ...meta, ...wanted } });
      notes.push(`stamped ${name}`);
      changed++;
    }
    return { changed, notes };
  },
};
