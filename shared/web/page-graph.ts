/**
 * The crawl graph as documents: `pages` keyed by an id derived from the canonical URL, `edges` keyed
 * by their two ends. Slots make redelivery converge: `first_seen` keeps its first value (a constant
 * version), `crawl`, `summary` and `tags` keep the newest.
 */
import type { StoredDocument } from '../effects/document-store.ts';
import { sha256Hex } from '../platform/sha256-hex.ts';
import { simhashBands } from './content-hash.ts';

/** `p` + the first 32 hex digits of SHA-256(canonical URL): the same id in the graph and in Chroma. */
export async function pageId(canonicalUrl: string): Promise<string> {
  return `p${(await sha256Hex(canonicalUrl)).slice(0, 32)}`;
}

export function edgeId(from: string, to: string): string {
  return `${from}.${to}`;
}

export interface PageScope {
  provider: string;
  tenant: string;
}

export function pageUrn(scope: PageScope, id: string): string {
  return `urn:${scope.provider}:webpage:${scope.tenant}:${id}`;
}

export interface CrawlRecord {
  url: string;
  status: number;
  media_type: string;
  charset: string;
  bytes: number;
  etag?: string | undefined;
  last_modified?: string | undefined;
  fetched_at: string;
  elapsed_ms: number;
  content_sha256: string;
  simhash: string;
  /** Hash of the page's opening text: near-duplicate candidates share it (see NEAR_DUPLICATE_SAME_LEAD_BITS). */
  lead: string;
  title: string;
  lang?: string | undefined;
  description?: string | undefined;
  /** The readable text, capped (the passes read it; search answers do not). */
  text: string;
  out_links: number;
  noindex: boolean;
  job_id: string;
}

export const PAGE_TEXT_CAP = 32_000;

/** A crawled page's document (first_seen + crawl slots). */
export function pageDocument(scope: PageScope, id: string, host: string, crawl: CrawlRecord): StoredDocument {
  const bands = simhashBands(crawl.simhash);
  return {
    provider: scope.provider,
    tenant: scope.tenant,
    foreign_id: id,
    urn: pageUrn(scope, id),
    index: {
      url: crawl.url,
      host,
      domain: host.replace(/:\d+$/, ''),
      content_sha256: crawl.content_sha256,
      lead: crawl.lead,
      ...Object.fromEntries(bands.map((b, i) => [`sim${i}`, b])),
    },
    slots: {
      // Version '0' everywhere: a tie keeps the stored value, so the first sighting stays.
      first_seen: { version: '0', value: { at: crawl.fetched_at, job_id: crawl.job_id } },
      crawl: { version: crawl.fetched_at, value: { ...crawl, text: crawl.text.slice(0, PAGE_TEXT_CAP) } },
    },
  };
}

/** A revalidated page (304): only the crawl time and validators move on. */
export function revalidatedDocument(existing: StoredDocument, fetchedAt: string): StoredDocument {
  const crawl = existing.slots.crawl?.value as CrawlRecord;
  return {
    ...existing,
    slots: { crawl: { version: fetchedAt, value: { ...crawl, fetched_at: fetchedAt } } },
  };
}

export interface EdgeValue {
  from_url: string;
  to_url: string;
  anchor: string;
  nofollow: boolean;
  kind: 'link' | 'redirect';
}

export function edgeDocument(
  scope: PageScope,
  from: string,
  to: string,
  value: EdgeValue,
  seenAt: string,
): StoredDocument {
  const id = edgeId(from, to);
  return {
    provider: scope.provider,
    tenant: scope.tenant,
    foreign_id: id,
    urn: `urn:${scope.provider}:webedge:${scope.tenant}:${id}`,
    index: { from, to },
    slots: { link: { version: '0', value }, seen: { version: seenAt, value: { at: seenAt } } },
  };
}

/** The crawl slot of a page document, when it has one. */
export function crawlOf(doc: StoredDocument | undefined): CrawlRecord | undefined {
  return doc?.slots.crawl?.value as CrawlRecord | undefined;
}

/** A page document carrying only some slots (a pass's output): the merge keeps the page's other slots. */
export function pageSlotsDocument(
  scope: PageScope,
  id: string,
  version: string,
  values: Record<string, unknown>,
): StoredDocument {
  return {
    provider: scope.provider,
    tenant: scope.tenant,
    foreign_id: id,
    urn: pageUrn(scope, id),
    index: {},
    slots: Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { version, value }])),
  };
}
