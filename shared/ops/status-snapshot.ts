/**
 * The status snapshot: everything an operator (the status page, `/metrics`, `/status` in chat) needs,
 * gathered in one place: the ops ledger (merged across isolates), the access layer's live state, and
 * the answering isolate's own view. `tenantStatus()` narrows it to one tenant for the StatusPort.
 */
import type { HealthState } from '@promethean/schemas/ops/ops-messages';
import type { AccessStatus, AccessTenantStatus } from './access-status.ts';
import type { LedgerSnapshot } from './ledger-snapshot.ts';
import type { AgentHealthReport } from './ops-delta.ts';

export interface StatusSnapshot {
  generated_at: string;
  /** The functions isolate that answered: its agents' health and admission load. */
  functions: {
    isolate: string;
    health: AgentHealthReport[];
    in_flight: Record<string, number>;
    rejected: Record<string, number>;
  };
  ledger: LedgerSnapshot | null;
  ledger_error?: string;
  access: AccessStatus | null;
  access_error?: string;
}

/** One tenant's view: what `/status` answers in chat. Provider-agnostic. */
export interface TenantStatusSummary {
  provider: string;
  tenant: string;
  generated_at: string;
  realtime: Array<{ shard: number; status: string; connected: boolean; ping_ms: number | null }>;
  rest: {
    buckets: number;
    exhausted: number;
    invalid_in_window: number;
    budget: number;
    window_s: number;
    breaker_open: boolean;
    token_disabled: boolean;
  } | null;
  queues: Array<{ queue: string; depth: number; source: 'platform' | 'estimate' }>;
  dead_letters: number | null;
  agents: Array<{ agent: string; state: HealthState }>;
  /** Parts that could not be read (access layer, ledger), in words. */
  problems: string[];
}

function restSummary(t: AccessTenantStatus | undefined): TenantStatusSummary['rest'] {
  if (!t?.rest) return null;
  const r = t.rest;
  return {
    buckets: r.buckets.length,
    exhausted: r.buckets.filter((b) => b.remaining === 0 && b.reset_in_ms > 0).length,
    invalid_in_window: r.budget.invalid_in_window,
    budget: r.budget.budget,
    window_s: r.budget.window_s,
    breaker_open: r.budget.breaker_open,
    token_disabled: r.token_disabled !== null,
  };
}

/** Narrows a snapshot to one tenant. */
export function tenantStatus(s: StatusSnapshot, provider: string, tenant: string): TenantStatusSummary {
  const access = s.access?.tenants.find((t) => t.provider === provider && t.tenant === tenant);
  const problems: string[] = [];
  if (s.access_error) problems.push(`access layer: ${s.access_error}`);
  if (s.ledger_error) problems.push(`ops ledger: ${s.ledger_error}`);
  if (access?.error) problems.push(access.error);
  const letters = s.ledger?.dead_letters.find((d) => d.provider === provider && d.tenant === tenant);
  return {
    provider,
    tenant,
    generated_at: s.generated_at,
    realtime: (access?.realtime ?? []).map((r) => ({
      shard: r.shard,
      status: r.status,
      connected: r.connected,
      ping_ms: r.ping_ms,
    })),
    rest: restSummary(access),
    queues: (s.ledger?.queues ?? []).map((q) => ({ queue: q.queue, depth: q.depth, source: q.depth_source })),
    dead_letters: s.ledger ? (letters?.depth ?? 0) : null,
    agents: (s.ledger?.health ?? []).map((h) => ({ agent: h.agent, state: h.state })),
    problems,
  };
}
