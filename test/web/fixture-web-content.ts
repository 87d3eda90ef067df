/**
 * The fixture web's pages, generated from a seed: article text, link structure and the traps. Pure
 * (origins in, bodies out), so the server and the tests that count what should be found share it.
 */

export type HostRole = 'news' | 'wiki' | 'blog' | 'down' | 'private';

export type Origins = Record<HostRole, string>;

const TOPICS = [
  'ducks',
  'ponds',
  'rivers',
  'weather',
  'migration',
  'feathers',
  'nesting',
  'wetlands',
  'insects',
  'reeds',
  'mallards',
  'geese',
  'swans',
  'herons',
  'bread',
  'conservation',
  'winter',
  'spring',
  'lakes',
  'birdwatching',
];
const VERBS = ['shapes', 'feeds', 'shelters', 'follows', 'changes', 'supports', 'threatens', 'attracts'];
const ADJECTIVES = ['quiet', 'muddy', 'seasonal', 'northern', 'crowded', 'shallow', 'ancient', 'fragile'];

/** A small deterministic generator (mulberry32), so every run serves the same web. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: () => number, list: readonly T[]): T {
  return list[Math.floor(r() * list.length)] as T;
}

/** Paragraphs about a page's two topics (distinct per page: the seed is the page's number). */
export function articleText(n: number, sentences = 14): { topics: [string, string]; paragraphs: string[] } {
  const r = random(n * 7919 + 17);
  const topics: [string, string] = [pick(r, TOPICS), pick(r, TOPICS)];
  const paragraphs: string[] = [];
  let current: string[] = [];
  for (let i = 0; i < sentences; i++) {
    const subject = i % 2 === 0 ? topics[0] : topics[1];
    current.push(
      `The ${pick(r, ADJECTIVES)} ${subject} ${pick(r, VERBS)} the ${pick(r, ADJECTIVES)} ${pick(r, TOPICS)} near station ${n}-${i}.`,
    );
    if (current.length === 4) {
      paragraphs.push(current.join(' '));
      current = [];
    }
  }
  if (current.length > 0) paragraphs.push(current.join(' '));
  return { topics, paragraphs };
}

export interface PageSpec {
  title: string;
  paragraphs: string[];
  links: Array<{ href: string; text: string; rel?: string }>;
  meta?: string;
  extraBody?: string;
  lang?: string;
}

export function renderPage(p: PageSpec): string {
  const links = p.links
    .map((l) => `<li><a href="${l.href}"${l.rel ? ` rel="${l.rel}"` : ''}>${l.text}</a></li>`)
    .join('\n');
  return `<!doctype html>
<html lang="${p.lang ?? 'en'}"><head><meta charset="utf-8"><title>${p.title}</title>${p.meta ?? ''}</head>
<body><nav><a href="/">Home</a></nav>
<main><h1>${p.title}</h1>
${p.paragraphs.map((t) => `<p>${t}</p>`).join('\n')}
${p.extraBody ?? ''}
<ul>${links}</ul></main>
<footer>Fixture web</footer></body></html>`;
}

export const NEWS_ARTICLES = 70;
export const WIKI_ARTICLES = 50;
export const BLOG_POSTS = 30;

/** The links of news article `i`: neighbours, a stride, and a cross-host link. */
export function newsLinks(i: number, o: Origins): PageSpec['links'] {
  const n = NEWS_ARTICLES;
  const links = [1, 2, 7, 13].map((d) => ({
    href: `/article/${((i + d) % n) + 1}`,
    text: `Article ${((i + d) % n) + 1}`,
  }));
  links.push({
    href: `${o.wiki}/wiki/Page_${(i % WIKI_ARTICLES) + 1}`,
    text: `Wiki page ${(i % WIKI_ARTICLES) + 1}`,
  });
  links.push({ href: `/article/${i + 1}?utm_source=feed&utm_medium=rss`, text: 'Permalink' });
  links.push({ href: `/private/draft-${i}`, text: 'Draft' });
  if (i % 10 === 0) links.push({ href: `${o.blog}/post/${(i % BLOG_POSTS) + 1}`, text: 'Blog' });
  if (i % 17 === 0) links.push({ href: `${o.down}/page/${i}`, text: 'Down host' });
  return links;
}

export function wikiLinks(i: number, o: Origins): PageSpec['links'] {
  const n = WIKI_ARTICLES;
  const links = [1, 3, 5, 11].map((d) => ({
    href: `/wiki/Page_${((i + d) % n) + 1}`,
    text: `Page ${((i + d) % n) + 1}`,
  }));
  links.push({ href: `/wiki/Special:Random?from=${i}`, text: 'Random' });
  links.push({ href: `/index.php?title=Page_${i}&action=edit`, text: 'Edit' });
  links.push({ href: `${o.news}/article/${(i % NEWS_ARTICLES) + 1}`, text: 'In the news' });
  links.push({ href: `/session/page-${i % 5}?sid=${(i * 2654435761) % 1000003}`, text: 'Session link' });
  return links;
}

export function blogLinks(i: number, o: Origins): PageSpec['links'] {
  const n = BLOG_POSTS;
  return [
    { href: `/post/${(i % n) + 1}`, text: 'Next post' },
    { href: `/post/${((i + 4) % n) + 1}`, text: 'Related' },
    { href: `/post/${i}/print`, text: 'Print version' },
    { href: `/post/${i}/amp`, text: 'AMP version' },
    { href: `${o.news}/article/${(i % NEWS_ARTICLES) + 1}`, text: 'News' },
  ];
}

/** Links into private space that a crawler must never follow (the private host counts any visit). */
export function privateTrapLinks(o: Origins): PageSpec['links'] {
  return [
    { href: 'http://169.254.169.254/latest/meta-data/', text: 'metadata' },
    { href: 'http://10.0.0.7/admin', text: 'intranet' },
    { href: 'http://localhost/', text: 'localhost' },
    { href: `${o.private}/secret`, text: 'private service' },
    { href: 'http://duckduckgoog4bfkd.onion/', text: 'onion' },
    { href: 'ftp://files.example/x', text: 'ftp' },
  ];
}
