/** The status page's trace lookup: a form, and one message's path through the agents as an indented list. */
import type { TraceStep } from '@promethean/shared/ops/trace-hops';
import { utcTime } from './display-format.ts';
import { html, type SafeHtml } from './html.ts';

export interface TraceRequest {
  provider: string;
  tenant: string;
  /** Any envelope id of the trace, or the trace id. */
  id: string;
}

/** One trace, root first, each envelope indented under the one it was derived from. */
export function traceResults(request: TraceRequest, steps: readonly TraceStep[]): SafeHtml {
  const who = html`<code>${request.provider}/${request.tenant}</code>`;
  if (steps.length === 0) {
    return html`<p class="empty">No trace in ${who} holds <code>${request.id}</code> (traces are kept for an hour).</p>`;
  }
  return html`<p class="small">${steps.length} envelopes in ${who}, root first:</p>
<table class="trace" id="trace-table"><thead><tr><th>envelope</th><th>intent</th><th>from</th><th>handled by</th><th>time</th></tr></thead>
<tbody>${steps.map(
    (s) => html`<tr data-id="${s.id}" data-parent="${s.parent ?? ''}" data-depth="${String(s.depth)}">
<td><span class="indent">${'· '.repeat(s.depth)}</span><code>${s.id}</code></td><td>${s.intent}</td><td>${s.src}</td>
<td>${s.agents.join(', ')}</td><td class="small">${utcTime(s.ts)}</td></tr>`,
  )}</tbody></table>`;
}

/** The lookup form (a plain GET to `/status/trace`, so it works without JavaScript). */
export function traceSection(tenants: ReadonlyArray<{ provider: string; tenant: string }>): SafeHtml {
  const options = tenants.map((t) => {
    const value = `${t.provider}/${t.tenant}`;
    return html`<option value="${value}">${value}</option>`;
  });
  return html`<section class="card" id="trace-card"><h2>Follow a message</h2>
<form class="search" id="trace" method="get" action="/status/trace">
<label for="trace-tenant">tenant</label> <select id="trace-tenant" name="tenant">${options}</select>
<input id="trace-id" type="search" name="id" maxlength="200" placeholder="an envelope id or trace id" required>
<button type="submit">Show trace</button>
</form>
</section>`;
}
