/**
 * The migrations panel: every tenant migration the ops ledger knows (running first, then finished), with
 * its phase, backfill progress, CDC lag and errors, so an operator watching a store move or re-embed sees
 * where it is without the CLI.
 */
import { LatencySketch, type SketchData } from '@promethean/shared/ops/latency-sketch';
import { FINISHED_PHASES, type MigrationProgress } from '@promethean/shared/ops/migration-progress';
import type { StatusSnapshot } from '@promethean/shared/ops/status-snapshot';
import { count, utcTime } from './display-format.ts';
import { html, type SafeHtml } from './html.ts';
import { stateBadge } from './overview-sections.ts';

function percent(m: MigrationProgress): string {
  if (m.total === 0) return '100%';
  return `${Math.min(100, Math.floor((m.copied / m.total) * 100))}%`;
}

/** "p50 / p95 ms" of a re-embed's sketch, or nothing before its first call. */
function latency(label: string, data: SketchData | undefined): SafeHtml | string {
  if (!data || data.count === 0) return '';
  const sketch = LatencySketch.from(data);
  const ms = (q: number) => String(Math.round(sketch.quantile(q)!));
  return html`<div class="small latency">${label} p50 ${ms(0.5)} / p95 ${ms(0.95)} ms</div>`;
}

/** A store move's last comparison of both stores: "verified n / N", the differing count, and when. */
function verification(m: MigrationProgress): SafeHtml | string {
  const v = m.verification;
  if (!v) return '';
  return html`<div class="small verification${v.differing > 0 ? ' problem' : ''}">verified ${count(v.verified)} / ${count(v.documents)}, ${count(v.differing)} differing, ${utcTime(v.at)}</div>`;
}

function row(m: MigrationProgress): SafeHtml {
  const finished = FINISHED_PHASES.has(m.phase);
  return html`<tr data-migration="${m.provider}/${m.tenant}/${m.kind}/${m.id}" class="${finished ? 'finished' : 'running'}">
<td><code>${m.provider}/${m.tenant}</code></td><td>${m.kind} <code>${m.id}</code></td>
<td>${m.from} → ${m.to}${latency('embed', m.latency?.embed_ms)}${latency('Chroma write', m.latency?.chroma_upsert_ms)}</td>
<td>${stateBadge(m.phase)}${m.paused ? html` ${stateBadge('PAUSED')}` : ''}<div class="small">goal ${m.goal}</div></td>
<td class="num"><progress max="${String(Math.max(1, m.total))}" value="${String(Math.min(m.copied, Math.max(1, m.total)))}"></progress> ${percent(m)}<div class="small">${count(m.copied)} / ${count(m.total)}</div>${verification(m)}</td>
<td class="num lag">${count(m.lag)}</td><td class="num">${count(m.cdc_applied)}</td>
<td class="num errors">${count(m.errors)}${m.last_error ? html`<div class="small problem">${m.last_error}</div>` : ''}</td>
<td class="small">${utcTime(m.updated_at)}</td></tr>`;
}

export function migrationsSection(s: StatusSnapshot): SafeHtml {
  const all = s.ledger?.migrations ?? [];
  const ordered = [
    ...all.filter((m) => !FINISHED_PHASES.has(m.phase)),
    ...all.filter((m) => FINISHED_PHASES.has(m.phase)),
  ];
  const rows =
    ordered.length === 0
      ? html`<tr><td colspan="9" class="empty">${s.ledger ? 'No migration has reported.' : 'The ops ledger did not answer.'}</td></tr>`
      : ordered.map(row);
  return html`<section class="card" id="migrations"><h2>Migrations</h2>
<table><thead><tr><th>tenant</th><th>migration</th><th>from → to</th><th>phase</th><th class="num">backfill</th>
<th class="num">CDC lag</th><th class="num">CDC copied</th><th class="num">errors</th><th>updated</th></tr></thead>
<tbody>${rows}</tbody></table></section>`;
}
