/** The address ranges an outbound fetch must never reach, and the IPv4 hidden inside IPv6 forms. */
import { formatIpAddress, type IpAddress, type Ipv4Address, parseIpAddress } from './ip-address.ts';

/** Why an address is refused; stable strings, recorded in documents and error events. */
export type BlockedRange =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'cgnat'
  | 'unique-local'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'documentation'
  | 'benchmarking'
  | 'ietf-protocol'
  | 'relay'
  | 'site-local'
  | 'discard'
  | 'teredo'
  | 'nat64-local';

interface Range {
  cidr: string;
  kind: BlockedRange;
}

/** Cloud metadata endpoints are named apart from their enclosing range so reports say what was tried. */
const METADATA_ADDRESSES: readonly string[] = [
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
  '169.254.170.2', // AWS ECS task metadata
  '169.254.169.253', // AWS DNS resolver
  '100.100.100.200', // Alibaba Cloud
  '168.63.129.16', // Azure wire server (a public address that answers VMs only)
  'fd00:ec2::254', // AWS IMDS over IPv6
  'fd00:ec2::23', // AWS DNS over IPv6
];

const IPV4_RANGES: readonly Range[] = [
  { cidr: '0.0.0.0/8', kind: 'unspecified' },
  { cidr: '10.0.0.0/8', kind: 'private' },
  { cidr: '100.64.0.0/10', kind: 'cgnat' },
  { cidr: '127.0.0.0/8', kind: 'loopback' },
  { cidr: '169.254.0.0/16', kind: 'link-local' },
  { cidr: '172.16.0.0/12', kind: 'private' },
  { cidr: '192.0.0.0/24', kind: 'ietf-protocol' },
  { cidr: '192.0.2.0/24', kind: 'documentation' },
  { cidr: '192.88.99.0/24', kind: 'relay' },
  { cidr: '192.168.0.0/16', kind: 'private' },
  { cidr: '198.18.0.0/15', kind: 'benchmarking' },
  { cidr: '198.51.100.0/24', kind: 'documentation' },
  { cidr: '203.0.113.0/24', kind: 'documentation' },
  { cidr: '224.0.0.0/4', kind: 'multicast' },
  { cidr: '255.255.255.255/32', kind: 'broadcast' },
  { cidr: '240.0.0.0/4', kind: 'reserved' },
];

const IPV6_RANGES: readonly Range[] = [
  { cidr: '::/128', kind: 'unspecified' },
  { cidr: '::1/128', kind: 'loopback' },
  { cidr: '100::/64', kind: 'discard' },
  { cidr: '64:ff9b:1::/48', kind: 'nat64-local' },
  { cidr: '2001::/32', kind: 'teredo' },
  { cidr: '2001:db8::/32', kind: 'documentation' },
  { cidr: '2001:2::/48', kind: 'benchmarking' },
  { cidr: 'fc00::/7', kind: 'unique-local' },
  { cidr: 'fe80::/10', kind: 'link-local' },
  { cidr: 'fec0::/10', kind: 'site-local' },
  { cidr: 'ff00::/8', kind: 'multicast' },
];

interface ParsedRange {
  ip: IpAddress;
  bits: number;
  kind: BlockedRange;
}

function parseRange(r: Range): ParsedRange {
  const [address, bits] = r.cidr.split('/') as [string, string];
  const ip = parseIpAddress(address);
  if (!ip) throw new Error(`bad CIDR in blocked-ranges: ${r.cidr}`);
  return { ip, bits: Number(bits), kind: r.kind };
}

const PARSED_V4 = IPV4_RANGES.map(parseRange);
const PARSED_V6 = IPV6_RANGES.map(parseRange);
const METADATA = new Set(METADATA_ADDRESSES.map((a) => formatIpAddress(parseIpAddress(a) as IpAddress)));

function inPrefix(ip: Uint8Array, prefix: Uint8Array, bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if (((ip[byte] ?? 0) & mask) !== ((prefix[byte] ?? 0) & mask)) return false;
  }
  return true;
}

function v4(bytes: Uint8Array): Ipv4Address {
  return { version: 4, bytes: Uint8Array.from(bytes) };
}

function allZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false;
  return true;
}

/**
 * The IPv4 address an IPv6 address carries, when the network would deliver it there: mapped
 * (`::ffff:a.b.c.d`), compatible (`::a.b.c.d`), SIIT (`::ffff:0:a.b.c.d`), NAT64 well-known prefix
 * (`64:ff9b::a.b.c.d`) and 6to4 (`2002:aabb:ccdd::`).
 */
export function embeddedIpv4(ip: IpAddress): Ipv4Address | undefined {
  if (ip.version === 4) return undefined;
  const b = ip.bytes;
  const tail = b.subarray(12, 16);
  if (allZero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(tail);
  if (allZero(b, 0, 8) && b[8] === 0xff && b[9] === 0xff && allZero(b, 10, 12)) return v4(tail);
  // ::/128 and ::1/128 are IPv6's own unspecified and loopback; everything else under ::/96 is "compatible".
  if (allZero(b, 0, 12) && !(allZero(b, 12, 15) && (b[15] ?? 0) <= 1)) return v4(tail);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && allZero(b, 4, 12)) return v4(tail);
  if (b[0] === 0x20 && b[1] === 0x02) return v4(b.subarray(2, 6));
  return undefined;
}

/** Why `ip` must not be fetched, or undefined when it is a public unicast address. */
export function blockedRangeOf(ip: IpAddress): BlockedRange | undefined {
  if (METADATA.has(formatIpAddress(ip))) return 'metadata';
  const inner = embeddedIpv4(ip);
  if (inner) {
    const innerRange = blockedRangeOf(inner);
    if (innerRange) return innerRange;
  }
  const ranges = ip.version === 4 ? PARSED_V4 : PARSED_V6;
  return ranges.find((r) => inPrefix(ip.bytes, r.ip.bytes, r.bits))?.kind;
}
