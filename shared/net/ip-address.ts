/** Parses IPv4 and IPv6 literals in every form a URL host or a resolver may produce, into raw bytes. */

export interface Ipv4Address {
  version: 4;
  bytes: Uint8Array;
}
export interface Ipv6Address {
  version: 6;
  bytes: Uint8Array;
}
export type IpAddress = Ipv4Address | Ipv6Address;

const IPV4_PART = /^(?:0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*)$/i;

function parseIpv4Part(part: string): number | undefined {
  if (!IPV4_PART.test(part)) return undefined;
  if (/^0x/i.test(part)) return part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16);
  if (part.length > 1 && part.startsWith('0')) return Number.parseInt(part.slice(1), 8);
  return Number.parseInt(part, 10);
}

/**
 * IPv4 the way `inet_aton` and the WHATWG URL parser read it: one to four dot-separated parts, each
 * decimal, octal (leading 0) or hex (0x), the last part filling the remaining bytes. So
 * `2130706433`, `0x7f000001`, `0x7f.0x0.0x0.0x1`, `0177.0.0.1` and `127.1` are all 127.0.0.1.
 * A single trailing dot is accepted (`127.0.0.1.`). Returns undefined when `text` is not IPv4.
 */
export function parseIpv4(text: string): Ipv4Address | undefined {
  const trimmed = text.endsWith('.') ? text.slice(0, -1) : text;
  const parts = trimmed.split('.');
  if (parts.length === 0 || parts.length > 4) return undefined;
  const values: number[] = [];
  for (const part of parts) {
    const value = parseIpv4Part(part);
    if (value === undefined || !Number.isFinite(value)) return undefined;
    values.push(value);
  }
  const last = values.pop() as number;
  if (values.some((v) => v > 255)) return undefined;
  const lastBytes = 4 - values.length;
  if (last >= 2 ** (8 * lastBytes)) return undefined;
  const bytes = new Uint8Array(4);
  values.forEach((v, i) => {
    bytes[i] = v;
  });
  for (let i = 0; i < lastBytes; i++) bytes[3 - i] = Math.floor(last / 256 ** i) % 256;
  return { version: 4, bytes };
}

function parseHextets(groups: string[]): number[] | undefined {
  const out: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    out.push(Number.parseInt(g, 16));
  }
  return out;
}

/** Splits a trailing dotted IPv4 (`::ffff:127.0.0.1`) into two hextets. */
function expandEmbeddedIpv4(groups: string[]): string[] | undefined {
  const last = groups.at(-1);
  if (last === undefined || !last.includes('.')) return groups;
  if (!/^\d{1,3}(?:\.\d{1,3}){3}$/.test(last)) return undefined;
  const octets = last.split('.').map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const [a, b, c, d] = octets as [number, number, number, number];
  return [...groups.slice(0, -1), ((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

/**
 * IPv6 with or without brackets, `::` compression and a trailing dotted IPv4. A zone id (`%eth0`)
 * is refused: it only makes sense for link-local addresses, which are blocked anyway.
 */
export function parseIpv6(text: string): Ipv6Address | undefined {
  const inner = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!inner.includes(':') || inner.includes('%')) return undefined;
  const halves = inner.split('::');
  if (halves.length > 2) return undefined;
  const split = (s: string) => (s === '' ? [] : s.split(':'));
  const head = halves[0] ?? '';
  const tail = halves[1];
  let left = split(head);
  let right = tail === undefined ? [] : split(tail);
  if (tail === undefined) {
    const expanded = expandEmbeddedIpv4(left);
    if (!expanded) return undefined;
    left = expanded;
  } else {
    const expanded = expandEmbeddedIpv4(right);
    if (!expanded) return undefined;
    right = expanded;
  }
  const l = parseHextets(left);
  const r = parseHextets(right);
  if (!l || !r) return undefined;
  const missing = 8 - l.length - r.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const hextets = [...l, ...new Array<number>(Math.max(0, missing)).fill(0), ...r];
  const bytes = new Uint8Array(16);
  hextets.forEach((h, i) => {
    bytes[2 * i] = h >> 8;
    bytes[2 * i + 1] = h & 0xff;
  });
  return { version: 6, bytes };
}

/** Either family; undefined for a name. */
export function parseIpAddress(text: string): IpAddress | undefined {
  return parseIpv6(text) ?? parseIpv4(text);
}

/** Canonical text: dotted quad, or eight lowercase hextets joined by colons (no compression). */
export function formatIpAddress(ip: IpAddress): string {
  if (ip.version === 4) return [...ip.bytes].join('.');
  const hextets: string[] = [];
  for (let i = 0; i < 16; i += 2)
    hextets.push((((ip.bytes[i] ?? 0) << 8) | (ip.bytes[i + 1] ?? 0)).toString(16));
  return hextets.join(':');
}
