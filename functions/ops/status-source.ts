/**
 * The one function that gathers the status snapshot: the ops ledger's merged view and the access
 * layer's live state (over the `ACCESS` RPC), each bounded in time so a slow part degrades the answer
 * instead of hanging it, plus the answering isolate's own view.
 */
import { AccessStatus, type AccessStatusRpc } from '@promethean/shared/ops/access-status';
import { within } from '@promethean/shared/ops/bounded-wait';
import type { IsolateOps } from '@promethean/shared/ops/isolate-ops';
import type { StatusSnapshot } from '@promethean/shared/ops/status-snapshot';
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
    const rpc = env.ACCESS as unknown as AccessStatusRpc;
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

/** Gathers everything; never throws (parts that fail are reported in `*_error`). */
export async function gatherStatus(
  env: Pick<FunctionsEnv, 'OPS_LEDGER' | 'ACCESS'>,
  ops: IsolateOps,
  timeoutMs = STATUS_PART_TIMEOUT_MS,
): Promise<StatusSnapshot> {
  const [ledger, access] = await Promise.all([ledgerPart(env, timeoutMs), accessPart(env, timeoutMs)]);
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
