/**
 * The functions Worker's operations wiring: this isolate's `IsolateOps`, a runtime whose queues,
 * Durable Objects and stores are counted and whose agents get the status port, and what happens after
 * each batch and on each cron tick (health events when due, one flush to the ops ledger).
 */

import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import { QUEUE_NAMES } from '@promethean/shared/broker/bus-routes';
import type { StatusPort } from '@promethean/shared/effects/effect-ports';
import { flushWindowMs, type IsolateOps, isolateOps } from '@promethean/shared/ops/isolate-ops';
import { countedEnv, countedPorts } from '@promethean/shared/ops/platform-instrumentation';
import { storeChecks } from '@promethean/shared/ops/readiness-probes';
import { tenantStatus } from '@promethean/shared/ops/status-snapshot';
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import { FUNCTION_AGENTS } from '../src/agents.ts';
import { createFunctionsRuntime, type FunctionsRuntime } from '../src/runtime-dependencies.ts';
import { refileSpilledLetters } from './dead-letter-spill.ts';
import { ledgerPort, ledgerSnapshot } from './ops-bindings.ts';
import { scheduleReembedTails } from './reembed-tail-schedule.ts';
import { sharedStatusOf } from './shared-status.ts';
import { gatherStatus } from './status-source.ts';

const log = componentTelemetry('functions-cron');

/** Health events about agents, wherever they come from, feed the ledger through this subscription. */
const HEALTH_TOPICS = 'promethean.p.*.t.*.ops.health';
/** Moderation notices (mentions defused, injections found, refusals) go to the ledger for the status page. */
const MODERATION_TOPICS = 'promethean.p.*.t.*.ops.moderation.notice';
/** The store-mover agent's progress after each step: the migration's row in the ledger (/metrics, status page). */
const STORE_MOVE_PROGRESS_TOPICS = 'promethean.p.*.t.*.jobs.migrations.store-move.progress';
/** The reembedder agent's progress after each step (its row in the ledger, with its latency sketches). */
const REEMBED_PROGRESS_TOPICS = 'promethean.p.*.t.*.jobs.migrations.reembed.progress';

export function functionsOps(): IsolateOps {
  return isolateOps('functions', FUNCTION_AGENTS);
}

/**
 * The read-only status port agents holding `ops.read` get: one port per invocation, reading the
 * isolate's shared snapshot (functions/ops/shared-status.ts) so a burst of `/status` gathers it once.
 */
export function statusPort(env: FunctionsEnv, ops: IsolateOps): StatusPort {
  const snapshot = sharedStatusOf(ops).reader(() => gatherStatus(env, ops));
  return {
    tenantStatus: async ({ provider, tenant }) => tenantStatus(await snapshot(), provider, tenant),
  };
}

/** A runtime whose every queue write, Durable Object call and store write is counted in `ops`. */
export function countedRuntime(env: FunctionsEnv, ops: IsolateOps): FunctionsRuntime & { env: FunctionsEnv } {
  const counted = countedEnv(env, ops.recorder, QUEUE_NAMES);
  const status = statusPort(counted, ops);
  const runtime = createFunctionsRuntime(
    counted,
    (ports) => ({ ...countedPorts(ports, ops.recorder), status }),
    {
      embedLookup: (lookup) => ops.recorder.embedCache(lookup),
      dualWriteFailed: (store, n) => ops.recorder.dualWriteFailed(store, n),
      // Agents' own model calls join the gateway's per-model families under transport `agent`.
      modelAnswer: (_role, answer) => ops.recorder.gateway.agentCall(answer),
    },
  );
  runtime.broker.subscribe(HEALTH_TOPICS, (e) => ops.recorder.busHealth(e), { name: 'ops-health' });
  runtime.broker.subscribe(MODERATION_TOPICS, (e) => ops.recorder.moderation(e), { name: 'ops-moderation' });
  runtime.broker.subscribe(STORE_MOVE_PROGRESS_TOPICS, (e) => ops.recorder.storeMoveProgress(e), {
    name: 'ops-store-move-progress',
  });
  runtime.broker.subscribe(REEMBED_PROGRESS_TOPICS, (e) => ops.recorder.reembedProgress(e), {
    name: 'ops-reembed-progress',
  });
  return { ...runtime, env: counted };
}

/** After a batch: health events if an agent's interval elapsed, then one flush. Never throws. */
export async function afterBatch(
  env: FunctionsEnv,
  ops: IsolateOps,
  runtime: FunctionsRuntime,
): Promise<void> {
  await ops.publishHealth(runtime.broker);
  const window = flushWindowMs(env.OPS_FLUSH_WINDOW_MS);
  await ops.flushAfterBatch(ledgerPort(env), window);
}

/** The cron tick: readiness checks, every agent's health event, one flush. */
export async function scheduledHealth(env: FunctionsEnv): Promise<void> {
  const ops = functionsOps();
  ops.recorder.invocation();
  const runtime = countedRuntime(env, ops);
  const { deps } = runtime;
  const portsFor = (tenant: TenantView) =>
    typeof deps.ports === 'function' ? deps.ports(tenant) : deps.ports;
  await ops.checkReadiness((agent) => storeChecks(agent, deps.registry, portsFor));
  await ops.publishHealth(runtime.broker, true);
  await refileSpilled(env);
  await tailReembeds(env, runtime);
  await ops.flush(ledgerPort(env));
}

/** Re-embeds in dual-write or cut over get a change-log tail chain (never blocks the tick). */
async function tailReembeds(env: FunctionsEnv, runtime: FunctionsRuntime): Promise<void> {
  try {
    const { migrations = [] } = await ledgerSnapshot(env);
    await scheduleReembedTails(runtime.broker, migrations, Date.now());
  } catch (e) {
    log.error('scheduling re-embed tails failed', { error: (e as Error).message });
  }
}

/** Letters spilled during an archive outage go back to their archives (never blocks the tick). */
async function refileSpilled(env: FunctionsEnv): Promise<void> {
  try {
    const report = await refileSpilledLetters(env);
    if (report.refiled > 0 || report.failures > 0) {
      log.log(report.failures > 0 ? 'error' : 'warn', 'spilled dead letters refiled', { ...report });
    }
  } catch (e) {
    log.error('refiling spilled dead letters failed', { error: (e as Error).message });
  }
}
