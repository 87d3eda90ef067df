/**
 * The page's entry in Chroma's `web_summaries`: its summary's embedding under the page's id, with
 * scalar metadata to filter on (tags without `#`, host, domain). Written after the page document holds
 * the summary and the tags (document first, then Chroma), with retries.
 */
import type { VectorRecord } from '@promethean/shared/effects/effect-ports';
import type { CrawlRecord } from '@promethean/shared/web/page-graph';

/** Chroma metadata holds scalars only: tags travel without `#`, once as a list and once as flags to filter on. */
export function vectorMetadata(
  record: Pick<CrawlRecord, 'url' | 'title' | 'fetched_at'>,
  host: string,
  tags: readonly string[],
): VectorRecord['metadata'] {
  const bare = tags.map((t) => t.replace(/^#/, ''));
  return {
    url: record.url,
    host,
    domain: host.replace(/:\d+$/, ''),
    title: record.title.slice(0, 300),
    tags: bare.join(' '),
    fetched_at: record.fetched_at,
    ...Object.fromEntries(bare.map((t) => [`tag_${t}`, true])),
  };
}

/** Runs `run` up to `attempts` times, backing off 100 ms, 200 ms, …; the last failure is thrown. */
export async function withRetries<T>(attempts: number, run: () => Promise<T>): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await run();
    } catch (e) {
      last = e;
      if (i + 1 < attempts) await new Promise((r) => setTimeout(r, 100 * 2 ** i));
    }
  }
  throw last;
}
