/** Renders `/search source:web` results: the tenant's crawled pages, ranked, with title, address and summary. */
import type { VectorMatch } from '@promethean/shared/effects/effect-ports';

function clip(text: string, limit: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= limit ? flat : `${flat.slice(0, limit - 1)}…`;
}

function resultLine(rank: number, match: VectorMatch, snippetChars: number): string {
  const url = typeof match.metadata.url === 'string' ? match.metadata.url : match.id;
  const title =
    typeof match.metadata.title === 'string' && match.metadata.title !== '' ? match.metadata.title : url;
  // Page text is untrusted: a title or summary must not become a link or a mention in the answer.
  const summary = clip(match.document, snippetChars).replace(/`/g, "'");
  return `${rank}. ${clip(title, 120).replace(/`/g, "'")} <${url}>: "${summary}"`;
}

/** The whole answer; says so when the embeddings are the offline stand-in. */
export function webSearchAnswer(
  query: string,
  matches: readonly VectorMatch[],
  offline: boolean,
  snippetChars: number,
): string {
  const shown = clip(query, 100);
  const note = offline
    ? '\n[offline] embeddings are the offline stand-in: matches share words, not meaning.'
    : '';
  if (matches.length === 0) return `No crawled web page matches "${shown}" yet.${note}`;
  const lines = matches.map((m, i) => resultLine(i + 1, m, snippetChars));
  return [`Top ${matches.length} web pages for "${shown}":`, ...lines].join('\n') + note;
}
