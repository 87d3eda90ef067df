/**
 * The `/v1` web operations over the crawler's own search (functions/web-search/web-search.ts): the request is
 * parsed by the crawler's schema (tags normalized the crawler's way) and the answer trimmed to the `/v1`
 * shapes. Shared by the Worker's backend and the in-memory one, so tests run the real search.
 */
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import {
  type PageView,
  pageWithEdges,
  searchWeb,
  type WebSearchPorts,
  WebSearchQuery,
} from '../web-search/web-search.ts';
import type { WebSearchRequest } from './v1-backend.ts';
import { V1BackendError } from './v1-backend.ts';
import type { WebPage, WebPageWithEdges, WebSearchResults } from './v1-schemas.ts';

function webPage(p: PageView): WebPage {
  return {
    id: p.id,
    url: p.url,
    title: p.title,
    domain: p.domain,
    ...(p.lang !== undefined && { lang: p.lang }),
    ...(p.summary !== undefined && { summary: p.summary }),
    tags: p.tags,
    ...(p.first_seen_at !== undefined && { first_seen_at: p.first_seen_at }),
    last_crawled_at: p.last_crawled_at,
    status: p.status,
  };
}

export async function v1SearchWeb(
  ports: WebSearchPorts,
  request: WebSearchRequest,
): Promise<WebSearchResults> {
  const parsed = WebSearchQuery.safeParse(request);
  if (!parsed.success)
    throw new V1BackendError(
      'invalid_request',
      parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; '),
    );
  const found = await searchWeb(ports, parsed.data);
  return {
    q: parsed.data.q,
    model: found.model,
    offline: found.offline,
    results: found.results.map((r) => ({ ...webPage(r), distance: r.distance })),
  };
}

export async function v1WebPage(
  documents: DocumentStore,
  pageId: string,
): Promise<WebPageWithEdges | undefined> {
  const found = await pageWithEdges(documents, pageId);
  return found && { ...found, page: webPage(found.page) };
}
