/**
 * The SSRF guard: decides whether a URL may be fetched. Only http(s), no userinfo, allowed ports,
 * no private/loopback/link-local/CGNAT/unique-local/multicast/metadata address in any spelling,
 * no local or metadata names, and — where the runtime can resolve DNS — no name resolving to one.
 */
import { type BlockedNameReason, blockedNameReason, normalizeHostName } from './blocked-names.ts';
import { blockedRangeOf } from './blocked-ranges.ts';
import { SsrfRefusedError } from './egress-errors.ts';
import { type IpAddress, parseIpAddress, parseIpv4, parseIpv6 } from './ip-address.ts';
import type { HostResolver, SsrfPolicy } from './ssrf-policy.ts';

/** A URL that passed the checks that need no network. */
export interface CheckedUrl {
  url: URL;
  /** The host is a literal address (already checked) — or a name the resolver must still check. */
  address: IpAddress | undefined;
  /** Its exact origin is in `trusted_origins` (tests and local dev only). */
  trusted: boolean;
}

function refuse(reason: SsrfRefusedError['reason'], url: string, detail: string): never {
  throw new SsrfRefusedError(reason, url, detail);
}

const DEFAULT_PORTS: Record<string, number> = { 'http:': 80, 'https:': 443 };

/** Reads the host as an address the way a socket library would, including forms a URL parser left alone. */
function hostAddress(hostname: string): IpAddress | undefined {
  if (hostname.startsWith('[')) return parseIpv6(hostname);
  return parseIpv4(hostname) ?? parseIpv6(hostname);
}

function nameDetail(reason: BlockedNameReason, host: string): string {
  if (reason === 'metadata-name') return `${host} is a cloud metadata name`;
  if (reason === 'embedded-ip') return `${host} spells a private address (wildcard DNS)`;
  return `${host} is a local or single-label name`;
}

/** The checks that need no DNS; throws `SsrfRefusedError`. */
export function checkUrlSyntax(raw: string | URL, policy: SsrfPolicy): CheckedUrl {
  const text = String(raw);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return refuse('invalid_url', text, 'not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return refuse('scheme', text, `scheme ${url.protocol} is not http or https`);
  }
  if (url.username !== '' || url.password !== '') {
    return refuse('userinfo', text, 'credentials in the URL are not allowed');
  }
  const trusted = policy.trusted_origins.includes(url.origin);
  const address = hostAddress(url.hostname);
  if (trusted) return { url, address, trusted };
  if (address) {
    const range = blockedRangeOf(address);
    if (range) return refuse('blocked_address', text, `${url.hostname} is ${range}`);
  } else {
    const host = normalizeHostName(url.hostname);
    const nameReason = blockedNameReason(host);
    if (nameReason) return refuse('blocked_name', text, nameDetail(nameReason, host));
  }
  const port = url.port === '' ? (DEFAULT_PORTS[url.protocol] as number) : Number(url.port);
  if (!policy.allowed_ports.includes(port)) {
    return refuse('port', text, `port ${port} is not one of ${policy.allowed_ports.join(', ')}`);
  }
  return { url, address, trusted };
}

/**
 * Checks every address a name resolves to. One blocked address refuses the URL: a resolver may
 * answer differently on the connect, so "some of them are public" is not good enough.
 */
async function checkResolved(checked: CheckedUrl, resolve: HostResolver): Promise<void> {
  const host = normalizeHostName(checked.url.hostname);
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (e) {
    return refuse('unresolvable', String(checked.url), `${host} did not resolve (${(e as Error).message})`);
  }
  if (addresses.length === 0) return refuse('unresolvable', String(checked.url), `${host} has no address`);
  for (const text of addresses) {
    const ip = parseIpAddress(text);
    const range = ip ? blockedRangeOf(ip) : 'reserved';
    if (range) {
      return refuse(
        'resolves_to_blocked_address',
        String(checked.url),
        `${host} resolves to ${text} (${range})`,
      );
    }
  }
}

/**
 * Every check, including DNS when `resolve` is given (Node); a Worker has no resolver and relies on
 * the syntactic checks plus Cloudflare's own refusal to route to private networks.
 */
export async function checkUrl(
  raw: string | URL,
  policy: SsrfPolicy,
  resolve?: HostResolver,
): Promise<CheckedUrl> {
  const checked = checkUrlSyntax(raw, policy);
  if (!checked.trusted && !checked.address && resolve) await checkResolved(checked, resolve);
  return checked;
}

/** Whether an address (as a resolver returns it) may be connected to; for connect-time `lookup` hooks. */
export function isAddressAllowed(text: string): boolean {
  const ip = parseIpAddress(text);
  return ip !== undefined && blockedRangeOf(ip) === undefined;
}
