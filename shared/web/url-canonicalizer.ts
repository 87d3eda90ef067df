/**
 * The crawler's URL canonicalizer: one spelling per page, so the graph has one node per page and a
 * redelivered or re-discovered link never makes a second one.
 */

/** Query keys that only ever carry analytics: dropped, so `?utm_source=x` is the same page. */
const TRACKING_KEYS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'igshid',
  'mc_cid',
  'mc_eid',
  '_ga',
  '_gl',
  '_hsenc',
  '_hsmi',
  'mkt_tok',
  'ref_src',
  'spm',
]);
const TRACKING_PREFIXES = ['utm_', 'pk_', 'mtm_'];

/**
 * Query keys and path parameters that carry a session: a URL holding one is a credential of someone's
 * session and an unbounded family of spellings of one page, so it is dropped from the canonical form.
 */
const SESSION_KEYS = new Set([
  'sid',
  'sessionid',
  'session_id',
  'session',
  'phpsessid',
  'jsessionid',
  'aspsessionid',
  'cfid',
  'cftoken',
  'zenid',
  'oscsid',
  'token',
  'auth',
  'access_token',
]);

export type CanonicalRefusal = 'invalid_url' | 'scheme' | 'userinfo' | 'denied' | 'too_long';

export interface CanonicalizeOptions {
  /** Patterns (tested against the canonical URL) that are never crawled. */
  deny?: readonly RegExp[];
  /** Longest canonical URL accepted; longer ones are almost always traps. */
  max_length?: number;
}

export type CanonicalResult =
  | { ok: true; url: string; host: string; origin: string }
  | { ok: false; reason: CanonicalRefusal; input: string };

export const MAX_CANONICAL_URL_LENGTH = 2048;

/** Whether a query key is analytics-only. */
export function isTrackingKey(key: string): boolean {
  const k = key.toLowerCase();
  return TRACKING_KEYS.has(k) || TRACKING_PREFIXES.some((p) => k.startsWith(p));
}

/** Whether a query key (or `;key=` path parameter) names a session token. */
export function isSessionKey(key: string): boolean {
  return SESSION_KEYS.has(key.toLowerCase());
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * One spelling for percent-encoding: escapes of unreserved characters are decoded, every other escape
 * is upper-cased, and raw characters outside printable ASCII are UTF-8 encoded. Shared with robots.txt
 * matching (RFC 9309 §2.2.2 compares paths in this form).
 */
export function normalizePercentEncoding(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch === '%' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      const decoded = String.fromCharCode(Number.parseInt(text.slice(i + 1, i + 3), 16));
      out += UNRESERVED.test(decoded) ? decoded : `%${text.slice(i + 1, i + 3).toUpperCase()}`;
      i += 2;
    } else if (ch.charCodeAt(0) > 0x7e || ch.charCodeAt(0) <= 0x20) {
      const code = text.codePointAt(i) as number;
      const char = String.fromCodePoint(code);
      for (const byte of new TextEncoder().encode(char)) {
        out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
      }
      i += char.length - 1;
    } else {
      out += ch;
    }
  }
  return out;
}

function canonicalPath(pathname: string): string {
  // `;jsessionid=…` path parameters are sessions too (Java servlet containers write them).
  const withoutSession = pathname.replace(/;(jsessionid|phpsessid|sid)=[^/?]*/gi, '');
  const collapsed = withoutSession.replace(/\/{2,}/g, '/');
  return normalizePercentEncoding(collapsed === '' ? '/' : collapsed);
}

function canonicalQuery(search: string): string {
  if (search === '' || search === '?') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of search.slice(1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    const key = normalizePercentEncoding(rawKey.replaceAll('+', '%20'));
    let decodedKey = key;
    try {
      decodedKey = decodeURIComponent(key);
    } catch {}
    if (isTrackingKey(decodedKey) || isSessionKey(decodedKey)) continue;
    pairs.push([key, eq === -1 ? '' : `=${normalizePercentEncoding(rawValue.replaceAll('+', '%20'))}`]);
  }
  // Stable: repeated keys keep their relative order, which some sites give meaning to.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return pairs.length === 0 ? '' : `?${pairs.map(([k, v]) => `${k}${v}`).join('&')}`;
}

/**
 * Canonicalizes `raw` (resolved against `base` when relative). The WHATWG parser already lower-cases
 * the host, applies punycode (IDNA), drops default ports and resolves dot segments; on top of that the
 * fragment goes, duplicate slashes collapse, percent-encoding takes one spelling, tracking and session
 * parameters go and the query keys are sorted.
 */
export function canonicalizeUrl(
  raw: string,
  base?: string,
  options: CanonicalizeOptions = {},
): CanonicalResult {
  let url: URL;
  try {
    url = base === undefined ? new URL(raw.trim()) : new URL(raw.trim(), base);
  } catch {
    return { ok: false, reason: 'invalid_url', input: raw };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { ok: false, reason: 'scheme', input: raw };
  if (url.username !== '' || url.password !== '') return { ok: false, reason: 'userinfo', input: raw };
  const host = url.hostname.replace(/\.+$/, '');
  if (host === '') return { ok: false, reason: 'invalid_url', input: raw };
  const port = url.port === '' ? '' : `:${url.port}`;
  const origin = `${url.protocol}//${host}${port}`;
  const canonical = `${origin}${canonicalPath(url.pathname)}${canonicalQuery(url.search)}`;
  if (canonical.length > (options.max_length ?? MAX_CANONICAL_URL_LENGTH)) {
    return { ok: false, reason: 'too_long', input: raw };
  }
  if (options.deny?.some((pattern) => pattern.test(canonical)))
    return { ok: false, reason: 'denied', input: raw };
  return { ok: true, url: canonical, host: `${host}${port}`, origin };
}

/** Whether a URL still carries a session token after canonicalization would have removed it (the fetcher's last check). */
export function carriesSessionToken(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (/;(jsessionid|phpsessid|sid)=/i.test(parsed.pathname)) return true;
  for (const key of parsed.searchParams.keys()) if (isSessionKey(key)) return true;
  return false;
}
