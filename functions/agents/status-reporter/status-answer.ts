/** Turns a tenant's status summary into the short text `/status` answers with (no mentions, no markup tricks). */
import type { TenantStatusSummary } from '@promethean/shared/ops/status-snapshot';

function realtimeLine(s: TenantStatusSummary): string {
  if (s.realtime.length === 0) return 'Gateway: none (this provider has no realtime session)';
  const shards = s.realtime.map((r) => {
    const ping = r.ping_ms === null ? 'no ping yet' : `ping ${r.ping_ms} ms`;
    return `shard ${r.shard} ${r.status}${r.connected ? '' : ' (disconnected)'}, ${ping}`;
  });
  return `Gateway: ${shards.join('; ')}`;
}

function restLine(s: TenantStatusSummary): string {
  const r = s.rest;
  if (!r) return 'REST: none (this provider has no REST client)';
  const token = r.token_disabled ? ', TOKEN DISABLED (an operator must re-enable it)' : '';
  const breaker = r.breaker_open ? 'breaker OPEN' : 'breaker closed';
  return (
    `REST: ${r.buckets} bucket${r.buckets === 1 ? '' : 's'} (${r.exhausted} exhausted), ` +
    `invalid requests ${r.invalid_in_window}/${r.budget} per ${r.window_s} s, ${breaker}${token}`
  );
}

function queueLine(s: TenantStatusSummary): string {
  if (s.queues.length === 0) return 'Queues: no traffic counted yet';
  const parts = s.queues.map((q) => `${q.queue} ${q.depth}${q.source === 'estimate' ? ' (est.)' : ''}`);
  return `Queues: ${parts.join(', ')}`;
}

function agentLine(s: TenantStatusSummary): string {
  const notRunning = s.agents.filter((a) => a.state !== 'RUNNING');
  if (s.agents.length === 0) return 'Agents: none reported yet';
  if (notRunning.length === 0) return `Agents: all ${s.agents.length} running`;
  return `Agents: ${notRunning.map((a) => `${a.agent} ${a.state}`).join(', ')}; the other ${s.agents.length - notRunning.length} running`;
}

/** The ephemeral answer: one line per part, problems last. */
export function statusAnswer(s: TenantStatusSummary): string {
  const lines = [
    `Status of ${s.provider}/${s.tenant} at ${s.generated_at}`,
    realtimeLine(s),
    restLine(s),
    queueLine(s),
    `Dead letters: ${s.dead_letters === null ? 'unknown' : s.dead_letters}`,
    agentLine(s),
    ...s.problems.map((p) => `Could not read: ${p}`),
  ];
  return lines.join('\n');
}
