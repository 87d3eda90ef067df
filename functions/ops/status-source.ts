/**
 * The one function that gathers the status snapshot: the ops ledger's merged view and the access
 * layer's live state (over the `ACCESS` RPC), each bounded in time so a slow part degrades the answer
 * instead of hanging it, plus the answering isolate's own view.
 */

import { QUEUE_NAMES } from '@promethean/shared/broker/bus-routes';
import { AccessStatus } from '@promethean/shared/ops/access-status';
import { within } from '@promethean/shared/ops/bounded-wait';
import type { IsolateOps } from '@promethean/shared/ops/isolate-ops';
import type { LedgerSnapshot, QueueStats } from '@promethean/shared/ops/ledger-snapshot';
import type { StatusSnapshot } from '@promethean/shared/ops/status-snapshot';
import { accessRpc } from '@promethean/shared/platform/access-rpc';
import { ledgerSnapshot } from './ops-bindings.ts';

/** Each part of the snapshot must answer within this long. */
export const STATUS_PART_TIMEOUT_MS = 3_000;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function ledgerPart(env: Pick<FunctionsEnv, 'OPS_LEDGER'>, timeoutMs: number) {
  try {
    const snapshot = await within(
      ledgerSnapshot(env),
      timeoutMs,
      () => new Error(`the ops ledger did not answer within ${timeoutMs} ms`),
    );
    return { ledger: snapshot };
  } catch (e) {
    return { ledger: null, ledger_error: message(e) };
  }
}

async function accessPart(env: Pick<FunctionsEnv, 'ACCESS'>, timeoutMs: number) {
  try {
    const rpc = accessRpc(env);
    const raw = await within(
      Promise.resolve().then(() => rpc.accessStatus()),
      timeoutMs,
      () => new Error(`the access Worker did not answer within ${timeoutMs} ms`),
    );
    const parsed = AccessStatus.safeParse(raw);
    if (!parsed.success)
      return { access: null, access_error: `unexpected access status: ${parsed.error.message}` };
    return { access: parsed.data };
  } catch (e) {
    return { access: null, access_error: message(e) };
  }
}

/** The backlog each queue this Worker produces to reports right now (`Queue.metrics()`), where it can. */
async function liveBacklogs(env: Partial<Record<string, unknown>>, timeoutMs: number) {
  const now = Date.now();
  const answers = await Promise.all(
    Object.entries(QUEUE_NAMES).map(async ([binding, queue]) => {
      const producer = env[binding] as { metrics?: () => Promise<{ backlogCount?: unknown }> } | undefined;
      if (typeof producer?.metrics !== 'function') return undefined;
      try {
        const m = await within(producer.metrics(), timeoutMs, () => new Error('queue metrics timed out'));
        return typeof m.backlogCount === 'number' ? { queue, messages: m.backlogCount, at: now } : undefined;
      } catch {
        return undefined; // the estimate or an earlier platform figure stands
      }
    }),
  );
  return answers.filter((a) => a !== undefined);
}

/** Puts live platform backlogs into the ledger's queue figures (adding queues the ledger has not seen). */
function withLiveBacklogs(
  ledger: LedgerSnapshot,
  live: Array<{ queue: string; messages: number; at: number }>,
) {
  const queues: QueueStats[] = [...ledger.queues];
  for (const b of live) {
    const i = queues.findIndex((q) => q.queue === b.queue);
    const backlog = { messages: b.messages, at: b.at };
    const base: QueueStats = queues[i] ?? {
      queue: b.queue,
      produced: 0,
      read: 0,
      settled: 0,
      retried: 0,
      deferred: 0,
      dead_lettered: 0,
      depth_estimate: 0,
      backlog: null,
      depth: 0,
      depth_source: 'estimate',
    };
    const updated: QueueStats = { ...base, backlog, depth: b.messages, depth_source: 'platform' };
    if (i === -1) queues.push(updated);
    else queues[i] = updated;
  }
  return { ...ledger, queues: queues.sort((a, b) => a.queue.localeCompare(b.queue)) };
}

/** Gathers everything; never throws (parts that fail are reported in `*_error`). */
export async function gatherStatus(
  env: Pick<FunctionsEnv, 'OPS_LEDGER' | 'ACCESS'>,
  ops: IsolateOps,
  timeoutMs = STATUS_PART_TIMEOUT_MS,
): Promise<StatusSnapshot> {
  const [part, access, live] = await Promise.all([
    ledgerPart(env, timeoutMs),
    accessPart(env, timeoutMs),
    liveBacklogs(env as unknown as Record<string, unknown>, timeoutMs),
  ]);
  const ledger = part.ledger ? { ...part, ledger: withLiveBacklogs(part.ledger, live) } : part;
  return {
    generated_at: new Date().toISOString(),
    functions: {
      isolate: ops.isolate,
      health: ops.healthReports(),
      in_flight: ops.admission.inFlight(),
      rejected: ops.admission.rejected(),
    },
    ...ledger,
    ...access,
  };
}
