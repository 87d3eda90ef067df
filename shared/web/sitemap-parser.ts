/**
 * Sitemaps (sitemaps.org protocol): `<urlset>` and `<sitemapindex>` XML, plain-text lists, and either
 * gzipped. Decompression streams through `DecompressionStream` with a cap, so a gzip bomb stops early.
 */
import { XMLParser } from 'fast-xml-parser';
import { readCappedStream } from '../net/capped-stream.ts';

/** The protocol's limits: 50,000 URLs and 50 MB uncompressed per file. */
export const SITEMAP_MAX_URLS = 50_000;
export const SITEMAP_MAX_BYTES = 50 * 1024 * 1024;

export interface SitemapEntry {
  loc: string;
  lastmod?: string | undefined;
}

export type Sitemap =
  | { kind: 'urlset'; urls: SitemapEntry[] }
  | { kind: 'index'; sitemaps: SitemapEntry[] }
  | { kind: 'invalid'; detail: string };

export class SitemapTooLargeError extends Error {
  override readonly name = 'SitemapTooLargeError';
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Gunzips `bytes` (if gzipped), refusing more than `maxBytes` of output. */
export async function gunzipCapped(bytes: Uint8Array, maxBytes = SITEMAP_MAX_BYTES): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('gzip'));
  const out = await readCappedStream(stream, maxBytes, 'sitemap too large');
  if (out === 'too_large') throw new SitemapTooLargeError(`sitemap inflates past ${maxBytes} bytes`);
  return out;
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function entries(items: unknown[]): SitemapEntry[] {
  const out: SitemapEntry[] = [];
  for (const item of items.slice(0, SITEMAP_MAX_URLS)) {
    if (typeof item !== 'object' || item === null) continue;
    const { loc, lastmod } = item as { loc?: unknown; lastmod?: unknown };
    if (typeof loc !== 'string' || loc.trim() === '') continue;
    out.push({ loc: loc.trim(), ...(typeof lastmod === 'string' && { lastmod: lastmod.trim() }) });
  }
  return out;
}

/** Parses a sitemap's text (XML or one URL per line). */
export function parseSitemap(text: string): Sitemap {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (!trimmed.startsWith('<')) {
    const urls = trimmed
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => /^https?:\/\//i.test(l))
      .slice(0, SITEMAP_MAX_URLS)
      .map((loc) => ({ loc }));
    return { kind: 'urlset', urls };
  }
  let doc: Record<string, unknown>;
  try {
    // No entity expansion beyond the XML five, no DTD processing: sitemaps are untrusted input.
    const parser = new XMLParser({
      ignoreAttributes: true,
      removeNSPrefix: true,
      processEntities: true,
      parseTagValue: false,
    });
    doc = parser.parse(trimmed) as Record<string, unknown>;
  } catch (e) {
    return { kind: 'invalid', detail: `not XML: ${(e as Error).message}` };
  }
  const urlset = doc.urlset as { url?: unknown } | undefined;
  if (urlset !== undefined) return { kind: 'urlset', urls: entries(asArray(urlset?.url as unknown)) };
  const index = doc.sitemapindex as { sitemap?: unknown } | undefined;
  if (index !== undefined) return { kind: 'index', sitemaps: entries(asArray(index?.sitemap as unknown)) };
  return { kind: 'invalid', detail: 'neither <urlset> nor <sitemapindex>' };
}

/** Parses fetched sitemap bytes, gunzipping first when they are gzipped. */
export async function parseSitemapBytes(bytes: Uint8Array, maxBytes = SITEMAP_MAX_BYTES): Promise<Sitemap> {
  const raw = await gunzipCapped(bytes, maxBytes);
  return parseSitemap(new TextDecoder().decode(raw));
}
