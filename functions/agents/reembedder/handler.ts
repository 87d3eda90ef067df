/** reembedder: steps a tenant's re-embed from the queue, one idempotent unit per message. */
import { ReembedProgressReport, ReembedStep } from '@promethean/schemas/jobs/reembed';
import { defineAgent } from '@promethean/shared/agent/agent-definition';
import {
  migrationProgressId,
  migrationStepId,
  refusalsAreFinal,
} from '@promethean/shared/migrations/migration-chain';
import { ReembedPhaseError } from '@promethean/shared/migrations/reembed/reembed-migration';
import type { ReembedView } from '@promethean/shared/migrations/reembed/reembed-port';
import { reembedFigures, specLabel } from '@promethean/shared/migrations/reembed/reembed-progress';
import manifest from './agent.yml';

function progressOf(id: string, seq: number, view: ReembedView & { more: boolean }) {
  const s = view.state;
  const at = s.updated_at ?? s.history.at(-1)?.at ?? new Date(0).toISOString();
  return {
    migration_id: id,
    seq,
    from: specLabel(s.from),
    to: specLabel(s.to),
    ...reembedFigures(s, view.lag),
    ...(s.latency && { latency: s.latency }),
    more: view.more,
    started_at: s.history[0]?.at ?? at,
    updated_at: at,
  };
}

export const reembedder = defineAgent(manifest, 'functions/agents/reembedder/agent.yml')
  .on(ReembedStep, async (msg, ctx) => {
    const { migration_id: id, chain, seq, start } = msg.payload;
    const reembed = ctx.effects.reembed;
    const final = <T>(work: () => Promise<T>) =>
      refusalsAreFinal(
        { provider: ctx.provider, tenant: ctx.tenant },
        (e): e is ReembedPhaseError => e instanceof ReembedPhaseError,
        work,
      );
    if (start) {
      await final(() =>
        reembed.reembedStart({
          id,
          to: { model: start.model, dimension: start.dimension },
          goal: start.goal,
        }),
      );
    }
    // A chain left over from an earlier re-embed (rolled back and replaced) stops here (no view).
    const view = await final(() => reembed.reembedStepIfCurrent(id));
    if (!view) return;
    await ctx.effects.publish(ReembedProgressReport, progressOf(id, seq, view), {
      id: migrationProgressId('reembed', id, chain, seq),
    });
    if (view.more) {
      await ctx.effects.publish(
        ReembedStep,
        { migration_id: id, chain, seq: seq + 1 },
        { id: migrationStepId('reembed', id, chain, seq + 1) },
      );
    }
  })
  .build();
