/**
 * The status page's document shell: one inline stylesheet and one inline script, both carrying the
 * response's CSP nonce (nothing is loaded from anywhere else), and the security headers every page sends.
 */
import { html, type SafeHtml, trusted } from './html.ts';

const STYLES = `
:root { color-scheme: light; --fg: #1d232b; --muted: #5b6573; --line: #d8dde4; --bg: #f5f7fa; --card: #fff;
  --good: #17803d; --warn: #a15c00; --bad: #b42318; --accent: #2855c7; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; padding: 12px 20px; background: #16202e; color: #fff; }
header h1 { font-size: 18px; margin: 0 16px 0 0; }
header .meta { color: #c6cfdb; font-size: 13px; }
header form { margin-left: auto; }
header button { background: transparent; color: #fff; border: 1px solid #6b7a8f; border-radius: 4px; padding: 4px 10px; cursor: pointer; }
main { padding: 16px 20px 40px; max-width: 1400px; margin: 0 auto; }
section.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; margin: 0 0 16px; }
h2 { font-size: 16px; margin: 0 0 10px; }
h3 { font-size: 14px; margin: 14px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; }
.empty { color: var(--muted); font-style: italic; }
.problem { background: #fdecea; border: 1px solid #f4b8b2; color: var(--bad); border-radius: 6px; padding: 8px 12px; margin: 0 0 12px; }
.note { color: var(--warn); }
.state { display: inline-block; padding: 0 6px; border-radius: 3px; font-size: 12px; font-weight: 600; }
.state-good { background: #e3f4e8; color: var(--good); }
.state-warn { background: #fff2dc; color: var(--warn); }
.state-bad { background: #fdecea; color: var(--bad); }
.msg { white-space: pre-wrap; word-break: break-word; }
.small { font-size: 12px; color: var(--muted); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
form.search { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
form.search input[type=search] { flex: 1; min-width: 240px; padding: 6px 8px; font-size: 14px; border: 1px solid var(--line); border-radius: 4px; }
form.search select, form.search button { padding: 6px 8px; font-size: 14px; }
.results { margin-top: 10px; }
.voice-segment { display: grid; grid-template-columns: 180px 1fr; gap: 10px; padding: 6px 0; border-bottom: 1px solid var(--line); }
.voice-segment img { width: 180px; height: 72px; object-fit: fill; background: #111; border-radius: 3px; }
.chart { display: inline-block; margin: 0 12px 12px 0; vertical-align: top; }
.chart svg { background: #fbfcfe; border: 1px solid var(--line); border-radius: 4px; }
.chart .label { font-size: 12px; }
button.small { font-size: 12px; padding: 1px 6px; cursor: pointer; }
#updated.bad { color: #ffb4ab; }
`;

const SCRIPT = `
(() => {
  const panels = document.getElementById('panels');
  const live = document.getElementById('live');
  const stamp = document.getElementById('updated');
  async function refresh() {
    if (!panels || !live || !live.checked || document.hidden) return;
    try {
      const r = await fetch('/status/panels', { credentials: 'same-origin' });
      if (r.status === 401) { location.reload(); return; }
      if (!r.ok) throw new Error('HTTP ' + r.status);
      panels.innerHTML = await r.text();
      stamp.textContent = 'updated ' + new Date().toLocaleTimeString();
      stamp.className = '';
    } catch (e) {
      stamp.textContent = 'refresh failed: ' + (e && e.message ? e.message : e);
      stamp.className = 'bad';
    }
  }
  setInterval(refresh, 5000);
  const form = document.getElementById('search');
  const results = document.getElementById('search-results');
  if (form && results) form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const params = new URLSearchParams(new FormData(form));
    results.setAttribute('aria-busy', 'true');
    results.textContent = 'Searching…';
    try {
      const r = await fetch('/status/search?' + params.toString(), { credentials: 'same-origin' });
      if (r.status === 401) { location.reload(); return; }
      results.innerHTML = await r.text();
      history.replaceState(null, '', '/status?' + params.toString());
    } catch (e) {
      results.textContent = 'The search did not answer: ' + (e && e.message ? e.message : e);
    } finally {
      results.removeAttribute('aria-busy');
    }
  });
  document.addEventListener('click', async (event) => {
    const button = event.target instanceof Element ? event.target.closest('button[data-letter-action]') : null;
    if (!button) return;
    const action = button.getAttribute('data-letter-action');
    if (action === 'purge' && !confirm('Purge this dead letter? It cannot be replayed afterwards.')) return;
    button.disabled = true;
    const r = await fetch(button.getAttribute('data-url'), {
      method: action === 'purge' ? 'DELETE' : 'POST',
      credentials: 'same-origin',
    }).catch(() => null);
    button.textContent = r && r.ok ? (action === 'purge' ? 'purged' : 'replayed') : 'failed' + (r ? ' (' + r.status + ')' : '');
    refresh();
  });
})();
`;

/** A fresh nonce for one response's inline style and script. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

/** Headers for every status page response: no caching, no framing, nothing from elsewhere. */
export function pageHeaders(nonce: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': [
      "default-src 'none'",
      `style-src 'nonce-${nonce}'`,
      `script-src 'nonce-${nonce}'`,
      "img-src 'self'",
      "connect-src 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
  };
}

/** The whole document around `body`; `script` adds the live refresh, search and dead-letter buttons. */
export function pageDocument(o: { title: string; nonce: string; body: SafeHtml; script: boolean }): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${o.title}</title>
<style nonce="${o.nonce}">${trusted(STYLES)}</style>
</head>
<body>
${o.body}
${o.script ? html`<script nonce="${o.nonce}">${trusted(SCRIPT)}</script>` : ''}
</body>
</html>`;
}
