/**
 * The main text of an HTML page as Firefox's Reader View finds it: `@mozilla/readability` over a
 * `linkedom` document (its self-contained Worker build: no Node built-ins, runs in Workers). It drops
 * navigation, sidebars, footers and other boilerplate even when the page marks none of them, which the
 * streaming extraction can only do for `<nav>`, `<header>`, `<footer>` and `<aside>`. Undefined when it
 * finds no article, so the caller keeps its own extraction.
 */
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom/worker';

/** Shorter than this, Readability's pick is not trusted over the streaming extraction. */
export const MIN_READABLE_CHARS = 140;

/** Pages larger than this are left to the streaming extraction: a DOM of them costs too much CPU. */
export const MAX_READABLE_HTML = 1_500_000;

/** Collapses runs of spaces within lines and keeps one blank-free line per block. */
function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

export function readableText(html: string): string | undefined {
  if (html.length > MAX_READABLE_HTML) return undefined;
  try {
    const { document } = parseHTML(html);
    // The DOM types differ (linkedom's own), the shape Readability walks is the same.
    const article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], {
      charThreshold: 250,
      keepClasses: false,
    }).parse();
    const text = tidy(article?.textContent ?? '');
    return text.length >= MIN_READABLE_CHARS ? text : undefined;
  } catch {
    // A page the DOM or Readability chokes on keeps the streaming extraction's text.
    return undefined;
  }
}
