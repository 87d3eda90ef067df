/**
 * The status page as a whole: a header, the search box, and the live panels (refreshed in place every few
 * seconds from `/status/panels`, which renders `statusPanels` alone).
 */
import { utcTime } from './display-format.ts';
import { html, type SafeHtml } from './html.ts';
import { latencySection } from './latency-charts.ts';
import { migrationsSection } from './migrations-section.ts';
import { agentsSection, problemsSection, queuesSection, tenantsSection } from './overview-sections.ts';
import { pageDocument } from './page-layout.ts';
import { type SearchRequest, searchSection } from './search-section.ts';
import type { StatusPageData } from './status-page-data.ts';
import { tenantSection } from './tenant-section.ts';
import { traceSection } from './trace-section.ts';

/** Everything that refreshes: status, tenants, migrations, queues, agents, each tenant's card, latency charts. */
export function statusPanels(data: StatusPageData, nowMs: number): SafeHtml {
  return html`${problemsSection(data)}
<p class="small" id="generated">Snapshot taken ${utcTime(data.snapshot.generated_at)} by isolate <code>${data.snapshot.functions.isolate}</code>.</p>
${tenantsSection(data)}
${migrationsSection(data.snapshot)}
<div class="grid">${queuesSection(data.snapshot)}${agentsSection(data.snapshot)}</div>
${data.tenants.map((t) => tenantSection(data.snapshot, t))}
${latencySection(data.snapshot.ledger, nowMs)}`;
}

/** The full page; `search` carries a search made without JavaScript (`/status?tenant=…&q=…`). */
export function statusPage(o: {
  data: StatusPageData;
  nonce: string;
  nowMs: number;
  search?: { request: SearchRequest; results: SafeHtml };
}): SafeHtml {
  const body = html`<header>
<h1>Promethean Edge — status</h1>
<span class="meta"><label><input type="checkbox" id="live" checked> live</label> <span id="updated">updated ${utcTime(o.nowMs)}</span></span>
<form method="post" action="/status/sign-out"><button type="submit">Sign out</button></form>
</header>
<main>
${searchSection({ tenants: o.data.tenants, request: o.search?.request, results: o.search?.results })}
${traceSection(o.data.tenants)}
<div id="panels">${statusPanels(o.data, o.nowMs)}</div>
</main>`;
  return pageDocument({ title: 'Promethean Edge status', nonce: o.nonce, body, script: true });
}
