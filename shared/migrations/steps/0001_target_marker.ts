/** 0001: databases created before markers existed get the marker the operator confirmed for them. */
import type { MigrationStep } from '../migration-step.ts';
import { ensureMongoMarker } from '../mongo-target-marker.ts';

export const step0001TargetMarker: MigrationStep = {
  version: 1,
  name: 'target_marker',
  description: 'stamp the target marker on a database that has none (an existing marker stands)',
  async up(ctx) {
    const before = await ctx.db.collection('promethean_meta').countDocuments({ _id: 'target' } as never);
    const marker = await ensureMongoMarker(ctx.db, ctx.target);
    return { changed: before === 0 ? 1 : 0, notes: [`marker: ${marker}`] };
  },
};
