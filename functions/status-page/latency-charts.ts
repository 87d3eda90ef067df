/**
 * Per-intent latency charts as inline SVG, from the ops ledger's per-minute rows (an hour of them): p50
 * and p95 handler latency per minute, lines broken where a minute had no traffic, and the minute's count.
 */
import type { LedgerSnapshot, MinutePoint } from '@promethean/shared/ops/ledger-snapshot';
import { count, duration } from './display-format.ts';
import { html, type SafeHtml } from './html.ts';

const WIDTH = 320;
const HEIGHT = 130;
const PAD = { left: 44, right: 8, top: 8, bottom: 22 };
/** Minutes on the x axis, ending at the newest row. */
const SPAN_MINUTES = 60;

interface Series {
  agent: string;
  intent: string;
  points: MinutePoint[];
}

function groups(series: readonly MinutePoint[]): Series[] {
  const byKey = new Map<string, Series>();
  for (const p of series) {
    const key = `${p.agent}\u0000${p.intent}`;
    const g = byKey.get(key) ?? { agent: p.agent, intent: p.intent, points: [] };
    g.points.push(p);
    byKey.set(key, g);
  }
  return [...byKey.values()].sort(
    (a, b) => a.agent.localeCompare(b.agent) || a.intent.localeCompare(b.intent),
  );
}

/** A y-axis top that reads well: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceCeiling(max: number): number {
  if (!(max > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * power >= max) return step * power;
  return 10 * power;
}

/** Polyline `points` attributes, one per run of consecutive minutes. */
function runs(
  points: MinutePoint[],
  value: (p: MinutePoint) => number | null,
  x: (m: number) => number,
  y: (v: number) => number,
) {
  const lines: string[] = [];
  let current: string[] = [];
  let last: number | undefined;
  for (const p of points) {
    const v = value(p);
    if (v === null || (last !== undefined && p.minute !== last + 1)) {
      if (current.length > 0) lines.push(current.join(' '));
      current = [];
    }
    if (v !== null) current.push(`${x(p.minute).toFixed(1)},${y(v).toFixed(1)}`);
    last = p.minute;
  }
  if (current.length > 0) lines.push(current.join(' '));
  return lines;
}

function chart(g: Series, end: number, recent: LedgerSnapshot['agents'][number] | undefined): SafeHtml {
  const start = end - SPAN_MINUTES + 1;
  const points = g.points.filter((p) => p.minute >= start).sort((a, b) => a.minute - b.minute);
  const top = niceCeiling(Math.max(0, ...points.map((p) => p.p95_ms ?? 0)));
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const x = (m: number) => PAD.left + ((m - start) / (SPAN_MINUTES - 1)) * innerW;
  const y = (v: number) => PAD.top + innerH - (Math.min(v, top) / top) * innerH;
  const line = (pts: string, cls: string, stroke: string) =>
    html`<polyline class="${cls}" points="${pts}" fill="none" stroke="${stroke}" stroke-width="1.6"/>`;
  const p95 = runs(points, (p) => p.p95_ms, x, y).map((pts) => line(pts, 'p95', '#b42318'));
  const p50 = runs(points, (p) => p.p50_ms, x, y).map((pts) => line(pts, 'p50', '#2855c7'));
  const dots = points.map(
    (p) =>
      html`<circle cx="${x(p.minute).toFixed(1)}" cy="${y(p.p95_ms ?? 0).toFixed(1)}" r="1.8" fill="#b42318"><title>${count(p.count)} messages, ${count(p.errors)} errors, p50 ${duration(p.p50_ms)}, p95 ${duration(p.p95_ms)}</title></circle>`,
  );
  const total = points.reduce((n, p) => n + p.count, 0);
  const caption = recent
    ? `last ${SPAN_MINUTES} min: ${count(total)} messages · last 5 min p50 ${duration(recent.recent.latency.p50_ms)}, p95 ${duration(recent.recent.latency.p95_ms)}`
    : `last ${SPAN_MINUTES} min: ${count(total)} messages`;
  return html`<figure class="chart" data-chart="${g.agent}:${g.intent}">
<figcaption class="label"><code>${g.agent}</code> · <code>${g.intent}</code></figcaption>
<svg role="img" aria-label="handler latency of ${g.agent} for ${g.intent}, per minute" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}">
<line x1="${PAD.left}" y1="${PAD.top + innerH}" x2="${WIDTH - PAD.right}" y2="${PAD.top + innerH}" stroke="#98a2b3"/>
<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${PAD.top + innerH}" stroke="#98a2b3"/>
<text x="${PAD.left - 4}" y="${PAD.top + 9}" text-anchor="end" font-size="10" fill="#5b6573">${duration(top)}</text>
<text x="${PAD.left - 4}" y="${PAD.top + innerH}" text-anchor="end" font-size="10" fill="#5b6573">0</text>
<text x="${PAD.left}" y="${HEIGHT - 6}" font-size="10" fill="#5b6573">${SPAN_MINUTES} min ago</text>
<text x="${WIDTH - PAD.right}" y="${HEIGHT - 6}" text-anchor="end" font-size="10" fill="#5b6573">now</text>
${p95}${p50}${dots}
</svg>
<div class="small">${caption} · <span class="note">p95</span> red, p50 blue</div>
</figure>`;
}

/** Every agent and intent with rows in the last hour, one chart each. */
export function latencySection(ledger: LedgerSnapshot | null, nowMs: number): SafeHtml {
  const body = (() => {
    if (!ledger) return html`<p class="empty">The ops ledger did not answer.</p>`;
    const all = groups(ledger.series);
    if (all.length === 0) return html`<p class="empty">No handler latency recorded in the last hour.</p>`;
    const end = Math.floor(nowMs / 60_000);
    return html`${all.map((g) =>
      chart(
        g,
        end,
        ledger.agents.find((a) => a.agent === g.agent && a.intent === g.intent),
      ),
    )}`;
  })();
  return html`<section class="card" id="latency"><h2>Handler latency per intent</h2>${body}</section>`;
}
