/**
 * What the pipeline stack stored for the duck tenant: message documents (through the admin API) and
 * vectors (straight from Chroma), and how they compare with the history that was sent.
 */
import { ChromaClient } from 'chromadb';

/** The tenant's live message documents, or why they could not be counted (a slow store's timeout). */
export async function documentCount(admin: (p: string) => Promise<Response>): Promise<number | string> {
  const r = await admin('/admin/documents/discord/duck/messages?limit=1');
  if (!r.ok) return `(count failed: ${r.status})`;
  return ((await r.json()) as { total: number }).total;
}

/** A slow store (FerretDB under load) may time out a read: ask again, a few times, then fail loudly. */
export async function withRetries(request: () => Promise<Response>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const r = await request();
    if (r.ok) return r;
    if (attempt >= 6) throw new Error(`${r.url} failed: ${r.status} ${await r.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 2_000 * attempt));
  }
}

export async function storedDocumentIds(admin: (p: string) => Promise<Response>): Promise<string[]> {
  const ids: string[] = [];
  let before: string | undefined;
  for (;;) {
    const r = await withRetries(() =>
      admin(`/admin/documents/discord/duck/messages?limit=1000${before ? `&before=${before}` : ''}`),
    );
    const page = (await r.json()) as { messages: Array<{ foreign_id: string }>; next_before?: string };
    ids.push(...page.messages.map((m) => m.foreign_id));
    if (!page.next_before) return ids;
    before = page.next_before;
  }
}

export async function storedVectorIds(chromaUrl: string): Promise<string[]> {
  const url = new URL(chromaUrl);
  const client = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });
  const collection = await client
    .getCollection({ name: 'discord__duck__messages', embeddingFunction: null as never })
    .catch(() => undefined);
  if (!collection) return [];
  const ids: string[] = [];
  for (let offset = 0; ; offset += 5_000) {
    const page = await collection.get({ limit: 5_000, offset, include: [] });
    ids.push(...page.ids);
    if (page.ids.length < 5_000) return ids;
  }
}

export async function vectorCount(chromaUrl: string): Promise<number> {
  const url = new URL(chromaUrl);
  const client = new ChromaClient({ host: url.hostname, port: Number(url.port), ssl: false });
  const collection = await client
    .getCollection({ name: 'discord__duck__messages', embeddingFunction: null as never })
    .catch(() => undefined);
  return collection ? collection.count() : 0;
}

/** Counts ids seen more than once, ids missing from `stored`, and ids stored that history lacks. */
export function compare(history: Set<string>, stored: string[]) {
  const seen = new Set<string>();
  let duplicates = 0;
  for (const id of stored) {
    if (seen.has(id)) duplicates++;
    seen.add(id);
  }
  const missing = [...history].filter((id) => !seen.has(id)).length;
  const extra = [...seen].filter((id) => !history.has(id)).length;
  return { duplicates, missing, extra };
}
