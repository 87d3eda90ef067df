/** The status page's semantic search box and its results (also served alone as a fragment). */
import { clip, utcTime } from './display-format.ts';
import { html, type SafeHtml } from './html.ts';
import type { SearchOutcome } from './semantic-search.ts';

export interface SearchRequest {
  provider: string;
  tenant: string;
  query: string;
}

/** The results of one search, or what stopped it, in words. */
export function searchResults(request: SearchRequest, outcome: SearchOutcome): SafeHtml {
  const who = html`<code>${request.provider}/${request.tenant}</code>`;
  const query = html`“<span class="query">${clip(request.query, 200)}</span>”`;
  switch (outcome.kind) {
    case 'no-vectors':
      return html`<p class="empty">${who} stores no vectors (<code>storage.vectors: none</code>), so it cannot be searched.</p>`;
    case 'unavailable':
      return html`<p class="problem" role="alert">Search is unavailable: the ${outcome.part} did not answer (${outcome.message}).
The rest of this page is unaffected.</p>`;
    case 'model-mismatch':
      return html`<p class="problem">${who}'s messages were embedded with ${outcome.pinned} but searches use ${outcome.used};
re-index before searching (distances across two models mean nothing).</p>`;
    case 'nothing-indexed':
      return html`<p class="empty">Nothing is indexed for ${who} yet: no message has been embedded.</p>`;
    case 'results': {
      const offline = outcome.offline
        ? html`<p class="note">Offline mode: embeddings are the deterministic offline stand-in (${outcome.model}), so matches share words, not meaning.</p>`
        : html`<p class="small">Embedded with ${outcome.model}.</p>`;
      if (outcome.hits.length === 0)
        return html`<p class="empty">No indexed message matches ${query} in ${who}.</p>${offline}`;
      return html`<p class="small">Nearest ${outcome.hits.length} to ${query} in ${who} (smaller distance is closer):</p>
${offline}
<table class="search-results"><thead><tr><th class="num">distance</th><th>time</th><th>channel</th><th>author</th><th>message</th></tr></thead>
<tbody>${outcome.hits.map(
        (
          h,
        ) => html`<tr data-urn="${h.urn}"><td class="num">${h.distance.toFixed(3)}</td><td class="small">${utcTime(h.created_at)}</td>
<td><code>${h.channel_id}</code></td><td>${h.author_name ?? h.author_id ?? '—'}</td><td class="msg">${clip(h.text, 400)}</td></tr>`,
      )}</tbody></table>`;
    }
  }
}

/** The search form; `selected` is the tenant searched last (or the first that has vectors). */
export function searchSection(o: {
  tenants: ReadonlyArray<{ provider: string; tenant: string; vectors_backend: string }>;
  request: SearchRequest | undefined;
  results: SafeHtml | undefined;
}): SafeHtml {
  const searchable = o.tenants.filter((t) => t.vectors_backend !== 'none');
  const selected = o.request ?? searchable[0];
  const options = o.tenants.map((t) => {
    const value = `${t.provider}/${t.tenant}`;
    const isSelected =
      selected !== undefined && selected.provider === t.provider && selected.tenant === t.tenant;
    return html`<option value="${value}"${isSelected ? html` selected` : ''}>${value}</option>`;
  });
  return html`<section class="card" id="search-card"><h2>Search messages</h2>
<form class="search" id="search" method="get" action="/status" role="search">
<label for="search-tenant">tenant</label> <select id="search-tenant" name="tenant">${options}</select>
<input id="search-query" type="search" name="q" maxlength="500" placeholder="what was said about…" required value="${o.request?.query ?? ''}">
<button type="submit">Search</button>
</form>
<div class="results" id="search-results" aria-live="polite">${o.results ?? ''}</div>
</section>`;
}
