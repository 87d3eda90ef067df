/** A tenant's web crawls on the status page: each recent job's figures and frontier, and its hosts' state. */
import type { HostSnapshot } from '../agents/web-crawler/crawl-host.ts';
import type { CrawlJobView } from './crawl-jobs-read.ts';
import { count, utcTime } from './display-format.ts';
import { html, type SafeHtml } from './html.ts';
import { stateBadge } from './overview-sections.ts';
import type { TenantPageData } from './status-page-data.ts';

/** HTTP errors and unreachable pages: what an operator would call failed (robots and filters are not). */
export function failedPages(counters: Record<string, number>): number {
  return (counters.skipped_status ?? 0) + (counters.unavailable ?? 0);
}

function hostRow(h: HostSnapshot): SafeHtml {
  const robots =
    h.robots_state === 'parsed'
      ? 'parsed'
      : h.robots_state === 'unavailable'
        ? `unavailable (${h.robots_status ?? '—'}): all allowed`
        : h.robots_state === 'unreachable'
          ? `unreachable (${h.robots_status ?? 'no answer'}): all disallowed until ${utcTime(h.robots_expires_at)}`
          : 'not read yet';
  return html`<tr data-host="${h.origin}"><td><code>${h.origin}</code></td><td>${robots}</td>
<td class="num">${h.crawl_delay_s === undefined ? '—' : `${h.crawl_delay_s} s`}</td><td>${h.in_flight ? 'request in flight' : 'idle'}</td>
<td class="small">${utcTime(h.last_start)}</td></tr>`;
}

function jobBlock(v: CrawlJobView): SafeHtml {
  const s = v.status;
  if (!s) {
    return html`<div class="crawl-job" data-job="${v.job.job_id}"><h4>job <code>${v.job.job_id}</code></h4>
<p class="empty">Listed at ${utcTime(v.job.started_at)} but its Durable Object holds no state (the start did not finish).</p></div>`;
  }
  const c = s.counters;
  return html`<div class="crawl-job" data-job="${s.job_id}">
<h4>job <code>${s.job_id}</code> ${stateBadge(s.state.toUpperCase())} <span class="small">started ${utcTime(s.started_at)} · updated ${utcTime(s.updated_at)} · seeds ${v.job.seeds.join(' ')}</span></h4>
<table><thead><tr><th class="num">pages</th><th class="num">fetched</th><th class="num">failed</th><th class="num">robots-blocked</th>
<th class="num">frontier open</th><th class="num">frontier done</th><th class="num">edges</th><th class="num">summaries</th><th class="num">tagged</th></tr></thead>
<tbody><tr><td class="num" data-figure="pages">${count(c.pages)}</td><td class="num" data-figure="fetched">${count(c.fetched)}</td>
<td class="num" data-figure="failed">${count(failedPages(c))}</td><td class="num" data-figure="robots_blocked">${count(c.robots_blocked)}</td>
<td class="num" data-figure="open">${count(s.open)}</td><td class="num" data-figure="done">${count(s.done)}</td><td class="num">${count(c.edges)}</td>
<td class="num">${count(c.summaries)}</td><td class="num">${count(c.tagged)}</td></tr></tbody></table>
${
  v.hosts.length === 0
    ? html`<p class="empty">No host reached yet.</p>`
    : html`<table class="crawl-hosts"><thead><tr><th>host</th><th>robots.txt</th><th class="num">crawl-delay</th><th>gate</th><th>last request</th></tr></thead>
<tbody>${v.hosts.map(hostRow)}</tbody></table>${v.more_hosts > 0 ? html`<p class="small">and ${count(v.more_hosts)} more hosts</p>` : ''}`
}
</div>`;
}

/** The tenant's recent crawl jobs, or why there are none. */
export function crawlSection(t: TenantPageData): SafeHtml {
  if (!t.crawl.ok) return html`<p class="problem">Crawl jobs could not be read: ${t.crawl.error}</p>`;
  if (t.crawl.value.length === 0)
    return html`<p class="empty">No web crawls yet (<code>npm run crawl -- --tenant ${t.provider}/${t.tenant} --seeds &lt;urls&gt;</code> starts one).</p>`;
  return html`${t.crawl.value.map(jobBlock)}`;
}
