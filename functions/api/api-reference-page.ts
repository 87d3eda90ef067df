/**
 * The `/v1/docs` reference page, rendered on the server from the OpenAPI document: no script and nothing
 * fetched from a CDN, so it works offline and shows exactly the document `/v1/openapi.json` serves.
 */
import { html, type SafeHtml } from '../status-page/html.ts';

interface Parameter {
  name?: string;
  in?: string;
  required?: boolean;
  description?: string;
}
interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  parameters?: Parameter[];
}
interface Document {
  info?: { title?: string; version?: string; description?: string };
  paths?: Record<string, Record<string, Operation> | undefined>;
}

function operationSection(method: string, path: string, op: Operation): SafeHtml {
  return html`<section id="${op.operationId ?? ''}">
<h2><code>${method.toUpperCase()} /v1${path}</code> <small>${op.operationId ?? ''}</small></h2>
<p><strong>${op.summary ?? ''}</strong></p>
<p>${op.description ?? ''}</p>
${
  (op.parameters?.length ?? 0) > 0
    ? html`<table><tr><th>parameter</th><th>in</th><th>required</th><th>description</th></tr>
${(op.parameters ?? []).map(
  (p) =>
    html`<tr><td><code>${p.name ?? ''}</code></td><td>${p.in ?? ''}</td><td>${p.required ? 'yes' : 'no'}</td><td>${p.description ?? ''}</td></tr>`,
)}</table>`
    : ''
}
</section>`;
}

/** The whole page for one OpenAPI document. */
export function apiReferencePage(doc: unknown): string {
  const d = doc as Document;
  const sections = Object.entries(d.paths ?? {}).flatMap(([path, item]) =>
    Object.entries(item ?? {}).map(([method, op]) => operationSection(method, path, op)),
  );
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${d.info?.title ?? 'API'} reference</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}</style></head>
<body><h1>${d.info?.title ?? 'API'} <small>${d.info?.version ?? ''}</small></h1>
<p>${d.info?.description ?? ''}</p>
<p>Authenticate with <code>Authorization: Bearer &lt;API key&gt;</code>. Machine-readable:
<a href="/v1/openapi.json">/v1/openapi.json</a>. Errors: <code>{"error": {"code", "message", "request_id"}}</code>.</p>
${sections}
</body></html>`.toString();
}
