/**
 * One tenant's card on the status page: its gateway shards, REST buckets and invalid-request budget,
 * recent messages, voice sessions, web crawls and dead letters (with replay and purge).
 */
import type { AccessTenantStatus } from '@promethean/shared/ops/access-status';
import type { StatusSnapshot } from '@promethean/shared/ops/status-snapshot';
import { crawlSection } from './crawl-section.ts';
import { clip, count, duration, utcTime } from './display-format.ts';
import { html, type SafeHtml } from './html.ts';
import { accessTenant, stateBadge } from './overview-sections.ts';
import type { TenantPageData } from './status-page-data.ts';
import { voiceSection } from './voice-section.ts';

/** REST buckets listed per tenant (the emptiest first). */
const BUCKETS_SHOWN = 10;

/** Why a tenant has no access-layer status: the layer did not answer, or it knows nothing of the tenant. */
function noAccess(s: StatusSnapshot): SafeHtml {
  return s.access
    ? html`<p class="empty">The access layer reports nothing for this tenant.</p>`
    : html`<p class="empty">The access layer did not answer${s.access_error ? html`: ${s.access_error}` : ''}.</p>`;
}

function gatewayTable(access: AccessTenantStatus | undefined, s: StatusSnapshot): SafeHtml {
  if (!access) return noAccess(s);
  if (access.realtime.length === 0) return html`<p class="empty">No gateway session for this tenant.</p>`;
  return html`<table><thead><tr><th>shard</th><th>status</th><th>desired</th><th class="num">ping</th><th class="num">seq</th>
<th>last heartbeat ack</th><th class="num">events published</th><th>reason</th></tr></thead><tbody>${access.realtime.map(
    (
      r,
    ) => html`<tr><td>${r.shard}</td><td>${stateBadge(r.status)}${r.connected ? '' : html` <span class="small">(socket closed)</span>`}</td>
<td>${r.desired}</td><td class="num">${duration(r.ping_ms)}</td><td class="num">${r.seq ?? '—'}</td>
<td class="small">${utcTime(r.last_ack_at)}</td><td class="num">${count(r.published)}</td><td class="small">${r.reason ?? ''}</td></tr>`,
  )}</tbody></table>`;
}

function restPanel(access: AccessTenantStatus | undefined, s: StatusSnapshot): SafeHtml {
  if (!access) return noAccess(s);
  const rest = access.rest;
  if (!rest) return html`<p class="empty">This provider has no REST adapter.</p>`;
  const b = rest.budget;
  const buckets = [...rest.buckets].sort((x, y) => x.remaining - y.remaining).slice(0, BUCKETS_SHOWN);
  return html`<p>Invalid requests in the last ${b.window_s} s: <strong>${count(b.invalid_in_window)}</strong> of a budget of
${count(b.budget)} <meter min="0" max="${b.budget}" low="${Math.floor(b.budget / 2)}" high="${Math.floor(b.budget * 0.8)}" optimum="0" value="${b.invalid_in_window}"></meter>
${b.breaker_open ? html`${stateBadge('BREAKER OPEN')} reopens in ${duration(b.reopens_in_ms)}` : ''}
${rest.token_disabled ? html`${stateBadge('TOKEN DISABLED')} ${rest.token_disabled.reason}` : ''}</p>
<p class="small">Requests sent ${count(rest.sent)} · rate limited ${count(rest.rate_limited)} · buckets tracked ${count(rest.buckets.length)}</p>
${
  buckets.length === 0
    ? html`<p class="empty">No rate-limit bucket learned yet.</p>`
    : html`<table><thead><tr><th>bucket</th><th class="num">limit</th><th class="num">remaining</th><th class="num">resets in</th><th class="num">waiting</th></tr></thead>
<tbody>${buckets.map(
        (
          k,
        ) => html`<tr><td><code>${k.id}</code></td><td class="num">${k.limit ?? '—'}</td><td class="num">${k.remaining}</td>
<td class="num">${duration(k.reset_in_ms)}</td><td class="num">${k.waiting}</td></tr>`,
      )}</tbody></table>`
}`;
}

function messagesPanel(t: TenantPageData): SafeHtml {
  if (!t.messages.ok) return html`<p class="problem">Messages could not be read: ${t.messages.error}</p>`;
  const { total, recent } = t.messages.value;
  if (recent.length === 0) return html`<p class="empty">No messages stored for this tenant yet.</p>`;
  return html`<p class="small">${count(total)} stored; the newest ${recent.length}:</p>
<table class="messages"><thead><tr><th>time</th><th>channel</th><th>author</th><th>message</th></tr></thead><tbody>${recent.map(
    (
      m,
    ) => html`<tr data-message="${m.foreign_id}"><td class="small">${utcTime(m.created_at)}</td><td><code>${m.channel_id}</code></td>
<td>${m.author?.name ?? m.author?.foreign_id ?? '—'}${m.author?.bot ? html` <span class="small">(bot)</span>` : ''}</td>
<td class="msg">${m.deleted ? html`<span class="empty">deleted</span>` : clip(m.content ?? '', 400)}${m.edited_at ? html` <span class="small">(edited)</span>` : ''}</td></tr>`,
  )}</tbody></table>`;
}

function deadLettersPanel(t: TenantPageData): SafeHtml {
  if (!t.dead_letters.ok)
    return html`<p class="problem">Dead letters could not be read: ${t.dead_letters.error}</p>`;
  const { pending, total, letters } = t.dead_letters.value;
  if (letters.length === 0) return html`<p class="empty">No dead letters.</p>`;
  const base = `/admin/dead-letters/${encodeURIComponent(t.provider)}/${encodeURIComponent(t.tenant)}`;
  return html`<p class="small">${count(pending)} waiting, ${count(total)} kept (newest first; <code>npm run dlq -- list --tenant ${t.provider}/${t.tenant}</code> lists all).</p>
<table><thead><tr><th>when</th><th>agent</th><th>intent</th><th>reason</th><th>error</th><th></th></tr></thead><tbody>${letters.map(
    (
      l,
    ) => html`<tr><td class="small">${utcTime(l.dead_lettered_at)}</td><td>${l.target ?? '—'}</td><td><code>${l.intent ?? '—'}</code></td>
<td>${l.reason}</td><td class="msg small">${clip(l.error, 200)}</td>
<td>${
      l.replayed_at
        ? html`<span class="small">replayed ${utcTime(l.replayed_at)}</span>`
        : html`<button class="small" type="button" data-letter-action="replay" data-url="${base}/${encodeURIComponent(l.id)}/replay">replay</button>`
    }
<button class="small" type="button" data-letter-action="purge" data-url="${base}/${encodeURIComponent(l.id)}">purge</button></td></tr>`,
  )}</tbody></table>`;
}

/** The tenant's newest moderation notices, each linked to its trace. */
function moderationPanel(s: StatusSnapshot, t: TenantPageData): SafeHtml {
  const notices = (s.ledger?.moderation ?? []).filter(
    (m) => m.provider === t.provider && m.tenant === t.tenant,
  );
  if (notices.length === 0) return html`<p class="empty">No moderation notices in the last day.</p>`;
  const tenant = `${t.provider}/${t.tenant}`;
  return html`<table class="moderation"><thead><tr><th>when</th><th>kind</th><th>agent</th><th>about</th><th>what</th><th></th></tr></thead><tbody>${notices.map(
    (
      m,
    ) => html`<tr data-notice="${m.kind}"><td class="small">${utcTime(m.ts)}</td><td>${m.kind.replaceAll('_', ' ')}</td><td>${m.agent}</td>
<td><code>${m.source_urn}</code></td><td class="msg small">${clip(m.detail, 300)}</td>
<td><a class="small" href="/status/trace?tenant=${encodeURIComponent(tenant)}&amp;id=${encodeURIComponent(m.trace)}">trace</a></td></tr>`,
  )}</tbody></table>`;
}

/** The tenant's whole card. */
export function tenantSection(s: StatusSnapshot, t: TenantPageData): SafeHtml {
  const access = accessTenant(s, t);
  return html`<section class="card tenant" id="tenant-${t.provider}-${t.tenant}">
<h2><code>${t.provider}/${t.tenant}</code> ${t.display_name ?? ''}</h2>
<div class="grid">
<div><h3>Gateway</h3>${gatewayTable(access, s)}</div>
<div><h3>REST buckets and budget</h3>${restPanel(access, s)}</div>
</div>
<h3>Recent messages</h3>${messagesPanel(t)}
<h3>Voice sessions</h3>${voiceSection(t)}
<h3>Web crawls</h3>${crawlSection(t)}
<h3>Moderation notices</h3>${moderationPanel(s, t)}
<h3>Dead letters</h3>${deadLettersPanel(t)}
</section>`;
}
