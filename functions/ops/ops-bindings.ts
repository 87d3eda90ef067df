/** The functions Worker's way to its ops Durable Objects: the ledger singleton and per-tenant archives. */
import { type LetterScope, scopeKey } from '@promethean/shared/ops/dead-letter-records';
import { DeltaRefusedError, type OpsLedgerPort } from '@promethean/shared/ops/isolate-ops';
import type { LedgerSnapshot } from '@promethean/shared/ops/ledger-snapshot';
import type { DeadLetterArchive } from './dead-letter-archive.ts';
import type { OpsLedger } from './ops-ledger.ts';

/** The ledger is one object for the whole deployment. */
export const OPS_LEDGER_NAME = 'global';

export function opsLedger(env: Pick<FunctionsEnv, 'OPS_LEDGER'>): DurableObjectStub<OpsLedger> {
  return env.OPS_LEDGER.get(env.OPS_LEDGER.idFromName(OPS_LEDGER_NAME));
}

/** The ledger's snapshot (RPC typing cannot express its `unknown` details, hence the one cast here). */
export async function ledgerSnapshot(env: Pick<FunctionsEnv, 'OPS_LEDGER'>): Promise<LedgerSnapshot> {
  return (await opsLedger(env).snapshot()) as unknown as LedgerSnapshot;
}

/** The ledger as the isolate-side `OpsLedgerPort` (RPC results are plain values). */
export function ledgerPort(env: Pick<FunctionsEnv, 'OPS_LEDGER'>): OpsLedgerPort {
  const stub = opsLedger(env);
  return {
    record: async (delta) => {
      const answer = await stub.record(delta);
      if ('refused' in answer) throw new DeltaRefusedError(answer.refused);
      return { controls: [...answer.controls] };
    },
    controls: async () => [...(await stub.controls())],
  };
}

export function deadLetterArchive(
  env: Pick<FunctionsEnv, 'DEAD_LETTER_ARCHIVE'>,
  scope: LetterScope,
): DurableObjectStub<DeadLetterArchive> {
  return env.DEAD_LETTER_ARCHIVE.get(env.DEAD_LETTER_ARCHIVE.idFromName(scopeKey(scope)));
}
