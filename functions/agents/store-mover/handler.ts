/** store-mover: steps a tenant's store move from the queue, one idempotent unit per message. */
import { StoreMoveProgressReport, StoreMoveStep } from '@promethean/schemas/jobs/store-move';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import {
  migrationProgressId,
  migrationStepId,
  refusalsAreFinal,
} from '@promethean/shared/migrations/migration-chain';
import { StoreMovePhaseError } from '@promethean/shared/migrations/store-move/store-move-migration';
import type { StoreMoveView } from '@promethean/shared/migrations/store-move/store-move-port';
import { storeMoveFigures } from '@promethean/shared/migrations/store-move/store-move-progress';
import { z } from 'zod';
import manifest from './agent.yml';

const Settings = z.object({ page_size: z.number().int().min(1).max(1_000) });

/** Out-of-order requests (a second move while one runs, from = to) cannot succeed on a retry. */
const phaseChecked = <T>(ctx: RuntimeContext, work: () => Promise<T>): Promise<T> =>
  refusalsAreFinal(
    { provider: ctx.provider, tenant: ctx.tenant },
    (e): e is StoreMovePhaseError => e instanceof StoreMovePhaseError,
    work,
  );

function progressOf(id: string, seq: number, view: StoreMoveView & { more: boolean }) {
  const s = view.state;
  return {
    migration_id: id,
    seq,
    from: s.from,
    to: s.to,
    ...storeMoveFigures(s, view.lag),
    more: view.more,
    started_at: s.history[0]?.at ?? s.updated_at,
    updated_at: s.updated_at,
  };
}

/** The envelope id of a step: one per (migration, chain, number), whoever sends it. */
export const stepEnvelopeId = (id: string, chain: string, seq: number) =>
  migrationStepId('store-move', id, chain, seq);

export const storeMover = defineAgent(manifest, 'functions/agents/store-mover/agent.yml')
  .on(StoreMoveStep, async (msg, ctx) => {
    const { migration_id: id, chain, seq, start } = msg.payload;
    const migrations = ctx.effects.migrations;
    if (start) {
      await phaseChecked(ctx, () => migrations.storeMoveStart({ id, to: start.to, goal: start.goal }));
    }
    // A chain left over from an earlier move (or a move since rolled back and replaced) stops here.
    const current = await migrations.storeMoveStatus();
    if (current?.state.id !== id) return;
    const pageSize = Settings.parse(ctx.settings).page_size;
    const view = await phaseChecked(ctx, () => migrations.storeMoveStep({ pageSize }));
    await ctx.effects.publish(StoreMoveProgressReport, progressOf(id, seq, view), {
      id: migrationProgressId('store-move', id, chain, seq),
    });
    if (view.more) {
      await ctx.effects.publish(
        StoreMoveStep,
        { migration_id: id, chain, seq: seq + 1 },
        { id: stepEnvelopeId(id, chain, seq + 1) },
      );
    }
  })
  .build();
