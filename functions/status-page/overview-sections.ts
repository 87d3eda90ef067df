/**
 * The deployment-wide parts of the status page: what could not be read, the tenants at a glance, queue
 * and dead-letter depths, and each agent's merged health and delivery outcomes.
 */
import type { AccessTenantStatus } from '@promethean/shared/ops/access-status';
import type { LedgerSnapshot } from '@promethean/shared/ops/ledger-snapshot';
import type { StatusSnapshot } from '@promethean/shared/ops/status-snapshot';
import { count, duration, utcTime } from './display-format.ts';
import { html, type SafeHtml } from './html.ts';
import type { StatusPageData, TenantPageData } from './status-page-data.ts';

// Agent states, gateway statuses (durable-objects/objects/gateway-session.ts) and crawl job states share one palette.
const GOOD = new Set(['RUNNING', 'READY', 'DONE']);
const WARN = new Set([
  'INIT',
  'PAUSED',
  'IDLE',
  'CONNECTING',
  'IDENTIFYING',
  'RESUMING',
  'RECONNECTING',
  'WAITING',
]);

/** A state word in a coloured badge (green: working, amber: on its way or held, red: anything else). */
export function stateBadge(state: string): SafeHtml {
  const upper = state.toUpperCase();
  const tone = GOOD.has(upper) ? 'good' : WARN.has(upper) ? 'warn' : 'bad';
  return html`<span class="state state-${tone}">${state}</span>`;
}

/** The access layer's view of one tenant, when it answered. */
export function accessTenant(s: StatusSnapshot, t: { provider: string; tenant: string }) {
  return s.access?.tenants.find((a) => a.provider === t.provider && a.tenant === t.tenant);
}

/** Every part that could not be read, so an operator sees at once what the page is missing. */
export function problemsSection(data: StatusPageData): SafeHtml {
  const s = data.snapshot;
  const problems: string[] = [];
  if (s.ledger_error) problems.push(`Ops ledger: ${s.ledger_error}`);
  if (s.access_error) problems.push(`Access layer: ${s.access_error}`);
  for (const t of data.tenants) {
    const name = `${t.provider}/${t.tenant}`;
    const access = accessTenant(s, t);
    if (access?.error) problems.push(`${name}: ${access.error}`);
    if (!t.messages.ok) problems.push(`${name} messages: ${t.messages.error}`);
    if (!t.dead_letters.ok) problems.push(`${name} dead letters: ${t.dead_letters.error}`);
  }
  if (problems.length === 0) return html``;
  return html`<div class="problem" role="alert" id="problems"><strong>Parts of this page could not be read:</strong>
<ul>${problems.map((p) => html`<li>${p}</li>`)}</ul></div>`;
}

function gatewaySummary(access: AccessTenantStatus | undefined): SafeHtml {
  if (!access) return html`<span class="empty">no answer</span>`;
  if (access.realtime.length === 0) return html`<span class="empty">no session</span>`;
  return html`${access.realtime.map(
    (r) =>
      html`<div>shard ${r.shard} ${stateBadge(r.status)} ${r.ping_ms === null ? '' : duration(r.ping_ms)}</div>`,
  )}`;
}

function restSummary(access: AccessTenantStatus | undefined): SafeHtml {
  const rest = access?.rest;
  if (!rest) return html`<span class="empty">${access ? 'no REST adapter' : 'no answer'}</span>`;
  const b = rest.budget;
  return html`${count(b.invalid_in_window)} / ${count(b.budget)} invalid
${b.breaker_open ? html` ${stateBadge('BREAKER OPEN')}` : ''}${rest.token_disabled ? html` ${stateBadge('TOKEN DISABLED')}` : ''}`;
}

function tenantRow(s: StatusSnapshot, t: TenantPageData): SafeHtml {
  const access = accessTenant(s, t);
  const letters = s.ledger?.dead_letters.find((d) => d.provider === t.provider && d.tenant === t.tenant);
  return html`<tr data-tenant="${t.provider}/${t.tenant}">
<td><a href="#tenant-${t.provider}-${t.tenant}"><code>${t.provider}/${t.tenant}</code></a><div class="small">${t.display_name ?? ''}</div></td>
<td>${t.documents_backend} · ${t.vectors_backend}</td>
<td>${gatewaySummary(access)}</td>
<td>${restSummary(access)}</td>
<td class="num">${t.messages.ok ? count(t.messages.value.total) : '—'}</td>
<td class="num">${letters ? count(letters.depth) : t.dead_letters.ok ? count(t.dead_letters.value.pending) : '—'}</td>
<td class="num">${t.voice.ok ? count(t.voice.value.length) : '—'}</td>
</tr>`;
}

/** Every tenant in providers.yml, one row each. */
export function tenantsSection(data: StatusPageData): SafeHtml {
  const rows =
    data.tenants.length === 0
      ? html`<tr><td colspan="7" class="empty">No tenants in providers.yml.</td></tr>`
      : data.tenants.map((t) => tenantRow(data.snapshot, t));
  return html`<section class="card" id="tenants"><h2>Tenants</h2>
<table><thead><tr><th>tenant</th><th>storage (documents · vectors)</th><th>gateway (shard, state, ping)</th>
<th>REST invalid-request budget</th><th class="num">messages</th><th class="num">dead letters</th><th class="num">voice sessions</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}

/** Queue depths (platform backlog or our estimate, and which) and dead letters waiting per tenant. */
export function queuesSection(s: StatusSnapshot): SafeHtml {
  const queues = s.ledger?.queues ?? [];
  const queueRows =
    queues.length === 0
      ? html`<tr><td colspan="7" class="empty">${s.ledger ? 'No queue traffic recorded yet.' : 'The ops ledger did not answer.'}</td></tr>`
      : queues.map(
          (q) => html`<tr data-queue="${q.queue}"><td><code>${q.queue}</code></td>
<td class="num depth">${count(q.depth)}</td><td class="small">${q.depth_source}</td>
<td class="num">${count(q.produced)}</td><td class="num">${count(q.read)}</td>
<td class="num">${count(q.retried)}</td><td class="num">${count(q.dead_lettered)}</td></tr>`,
        );
  const letters = s.ledger?.dead_letters ?? [];
  const letterRows =
    letters.length === 0
      ? html`<tr><td colspan="3" class="empty">No dead letters recorded.</td></tr>`
      : letters.map(
          (
            d,
          ) => html`<tr><td><code>${d.provider}/${d.tenant}</code></td><td class="num">${count(d.depth)}</td>
<td class="small">${utcTime(d.updated_at)}</td></tr>`,
        );
  return html`<section class="card" id="queues"><h2>Queues and dead letters</h2>
<table><thead><tr><th>queue</th><th class="num">depth</th><th>source</th><th class="num">produced</th>
<th class="num">read</th><th class="num">retried</th><th class="num">dead-lettered</th></tr></thead><tbody>${queueRows}</tbody></table>
<h3>Dead letters waiting</h3>
<table><thead><tr><th>tenant</th><th class="num">waiting</th><th>updated</th></tr></thead><tbody>${letterRows}</tbody></table>
</section>`;
}

/** Each agent's merged state (operator's control first, else the worst isolate), readiness and load. */
export function agentsSection(s: StatusSnapshot): SafeHtml {
  const health = s.ledger?.health ?? [];
  const rows =
    health.length === 0
      ? html`<tr><td colspan="6" class="empty">No agent has reported yet.</td></tr>`
      : health.map(
          (h) => html`<tr><td><code>${h.agent}</code></td><td>${h.worker}</td><td>${stateBadge(h.state)}</td>
<td>${h.ready ? 'ready' : 'not ready'} · ${h.live ? 'live' : 'not live'}</td><td class="num">${count(h.in_flight)}</td>
<td class="small">${h.reason ?? ''}</td></tr>`,
        );
  return html`<section class="card" id="agents"><h2>Agents</h2>
<table><thead><tr><th>agent</th><th>worker</th><th>state</th><th>readiness · liveness</th><th class="num">in flight</th><th>reason</th></tr></thead>
<tbody>${rows}</tbody></table>
${agentOutcomes(s.ledger?.agents ?? [])}</section>`;
}

/**
 * What happened to each agent's deliveries since the ledger began, per intent: handled, failed, retried,
 * dead-lettered, deferred or overloaded (admission put them back on the queue), and filtered (its `when:`
 * refused them before it ran). A column of deferrals or filtered deliveries says where work went that the
 * handled count does not show.
 */
function agentOutcomes(agents: LedgerSnapshot['agents']): SafeHtml {
  if (agents.length === 0) return html``;
  const rows = [...agents]
    .sort((a, b) => a.agent.localeCompare(b.agent) || a.intent.localeCompare(b.intent))
    .map(
      (
        a,
      ) => html`<tr data-outcomes="${a.agent}:${a.intent}"><td><code>${a.agent}</code></td><td>${a.intent}</td>
<td class="num">${count(a.count)}</td><td class="num">${count(a.errors)}</td><td class="num">${count(a.retries)}</td>
<td class="num">${count(a.dead_lettered)}</td><td class="num">${count(a.deferred)}</td><td class="num">${count(a.overloaded)}</td>
<td class="num">${count(a.filtered)}</td></tr>`,
    );
  return html`<h3>Deliveries since the ledger began</h3>
<table><thead><tr><th>agent</th><th>intent</th><th class="num">handled</th><th class="num">errors</th><th class="num">retried</th>
<th class="num">dead-lettered</th><th class="num">deferred</th><th class="num">overloaded</th><th class="num">filtered</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}
