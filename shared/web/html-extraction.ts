/**
 * What the crawler keeps of an HTML page: title, language, readable text, absolute links with their
 * anchor text, and the page's robots directives. One streaming pass with htmlparser2 (no DOM, runs in
 * Workers); forms are never followed, and text inside navigation, scripts and forms is not "readable".
 */
import { Parser } from 'htmlparser2';
import { readableText } from './readable-text.ts';
import { productToken } from './robots-txt.ts';

export interface ExtractedLink {
  /** Absolute (resolved against the page URL or its `<base href>`), not yet canonicalized. */
  href: string;
  text: string;
  /** `rel="nofollow"` (or sponsored/ugc) on the link itself. */
  nofollow: boolean;
}

export interface RobotsDirectives {
  noindex: boolean;
  nofollow: boolean;
}

export interface ExtractedPage {
  title: string;
  lang: string | undefined;
  /**
   * The main text as Readability finds it (boilerplate dropped even when unmarked); when it finds
   * none, the page's `<main>`/`<article>` when substantial, else the body, as paragraphs.
   */
  text: string;
  links: ExtractedLink[];
  /** From `<meta name="robots">`, `<meta name="<our token>">` and the `X-Robots-Tag` header. */
  robots: RobotsDirectives;
  /** `<link rel="canonical">`, absolute, if the page names one. */
  canonical: string | undefined;
  description: string | undefined;
}

/** Elements whose text is never readable content. */
const SKIPPED = new Set([
  'title',
  'script',
  'style',
  'noscript',
  'template',
  'svg',
  'head',
  'iframe',
  'object',
  'select',
  'textarea',
  'button',
  'form',
]);
/** Page furniture: kept out of the readable text, though its links are still links. */
const FURNITURE = new Set(['nav', 'header', 'footer', 'aside', 'menu']);
const BLOCKS = new Set([
  'p',
  'div',
  'br',
  'li',
  'ul',
  'ol',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'section',
  'article',
  'main',
  'table',
  'tr',
  'td',
  'th',
  'blockquote',
  'pre',
  'hr',
  'dd',
  'dt',
  'figcaption',
  'title',
]);
const MAIN = new Set(['main', 'article']);
/** Main content shorter than this is probably not the real content; the whole body is used instead. */
const MIN_MAIN_CHARS = 200;

function parseDirectives(content: string, into: RobotsDirectives): void {
  for (const raw of content.toLowerCase().split(',')) {
    // The header form may name an agent first (`prometheanbot: noindex`); keep the directive.
    const directive = raw.includes(':') ? (raw.split(':').pop() ?? '') : raw;
    const d = directive.trim();
    if (d === 'noindex' || d === 'none') into.noindex = true;
    if (d === 'nofollow' || d === 'none') into.nofollow = true;
  }
}

function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\r\u00a0]+/g, ' ').trim())
    .filter((line) => line !== '')
    .join('\n');
}

function absolute(href: string, base: string): string | undefined {
  try {
    return new URL(href.trim(), base).href;
  } catch {
    return undefined;
  }
}

/**
 * Extracts one page. `userAgent` picks which `<meta name="…">` also speaks to us; `xRobotsTag` is the
 * response header, if any.
 */
export function extractHtml(
  html: string,
  pageUrl: string,
  userAgent: string,
  xRobotsTag?: string,
  options: { readability?: boolean } = {},
): ExtractedPage {
  const token = productToken(userAgent);
  let base = pageUrl;
  let title = '';
  let lang: string | undefined;
  let canonical: string | undefined;
  let description: string | undefined;
  const robots: RobotsDirectives = { noindex: false, nofollow: false };
  if (xRobotsTag) parseDirectives(xRobotsTag, robots);
  const links: ExtractedLink[] = [];
  let body = '';
  let main = '';
  let skipDepth = 0;
  let furnitureDepth = 0;
  let mainDepth = 0;
  let inTitle = false;
  let openLink: ExtractedLink | undefined;

  const parser = new Parser(
    {
      onopentag(name, attribs) {
        if (name === 'html' && attribs.lang) lang = attribs.lang.trim().toLowerCase() || undefined;
        if (name === 'base' && attribs.href && base === pageUrl)
          base = absolute(attribs.href, pageUrl) ?? pageUrl;
        if (name === 'title') inTitle = true;
        if (name === 'meta') {
          const metaName = (attribs.name ?? '').trim().toLowerCase();
          if ((metaName === 'robots' || (token !== '' && metaName === token)) && attribs.content) {
            parseDirectives(attribs.content, robots);
          }
          if (metaName === 'description' && attribs.content) description = attribs.content.trim();
        }
        if (
          name === 'link' &&
          (attribs.rel ?? '').toLowerCase().split(/\s+/).includes('canonical') &&
          attribs.href
        ) {
          canonical = absolute(attribs.href, base);
        }
        if (name === 'a' && attribs.href !== undefined && skipDepth === 0) {
          const href = absolute(attribs.href, base);
          const rel = (attribs.rel ?? '').toLowerCase().split(/\s+/);
          if (href) {
            openLink = {
              href,
              text: '',
              nofollow: rel.includes('nofollow') || rel.includes('sponsored') || rel.includes('ugc'),
            };
          }
        }
        if (SKIPPED.has(name)) skipDepth++;
        if (FURNITURE.has(name)) furnitureDepth++;
        if (MAIN.has(name)) mainDepth++;
        if (BLOCKS.has(name)) {
          body += '\n';
          if (mainDepth > 0) main += '\n';
        }
      },
      ontext(data) {
        if (inTitle) title += data;
        if (openLink) openLink.text += data;
        if (skipDepth > 0 || furnitureDepth > 0) return;
        body += data;
        if (mainDepth > 0) main += data;
      },
      onclosetag(name) {
        if (name === 'title') inTitle = false;
        if (name === 'a' && openLink) {
          openLink.text = openLink.text.replace(/\s+/g, ' ').trim();
          links.push(openLink);
          openLink = undefined;
        }
        if (SKIPPED.has(name)) skipDepth = Math.max(0, skipDepth - 1);
        if (FURNITURE.has(name)) furnitureDepth = Math.max(0, furnitureDepth - 1);
        if (MAIN.has(name)) mainDepth = Math.max(0, mainDepth - 1);
        if (BLOCKS.has(name)) {
          body += '\n';
          if (mainDepth > 0) main += '\n';
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  const mainText = tidy(main);
  const streamed = mainText.length >= MIN_MAIN_CHARS ? mainText : tidy(body);
  return {
    title: title.replace(/\s+/g, ' ').trim(),
    lang,
    // A page that marks its own main content has already said where it is: Readability (a DOM of the
    // whole page, about 20 times the streaming pass's CPU) runs only for pages that do not.
    text:
      (options.readability !== false && mainText.length < MIN_MAIN_CHARS && readableText(html)) || streamed,
    links,
    robots,
    canonical,
    description,
  };
}
