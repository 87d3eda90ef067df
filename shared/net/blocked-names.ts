/** Host names an outbound fetch refuses before any DNS lookup: local names, metadata names, names that are IPs. */
import { blockedRangeOf } from './blocked-ranges.ts';
import { parseIpv4 } from './ip-address.ts';

/** Exact names of cloud metadata services and local hosts. */
const BLOCKED_NAMES = new Set([
  'localhost',
  'localhost.localdomain',
  'ip6-localhost',
  'ip6-loopback',
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.com',
  'instance-data',
  'instance-data.ec2.internal',
  'kubernetes',
  'kubernetes.default',
  'kubernetes.default.svc',
]);

/** Suffixes that only ever name hosts on a local or private network (RFC 6761, 6762, 8375, ICANN private use). */
const BLOCKED_SUFFIXES = [
  '.localhost',
  '.local',
  '.localdomain',
  '.internal',
  '.intranet',
  '.private',
  '.home.arpa',
  '.lan',
  '.corp',
  '.svc',
  '.cluster.local',
];

export type BlockedNameReason = 'local-name' | 'metadata-name' | 'embedded-ip';

/** Lowercases and drops trailing dots: `Metadata.Google.Internal.` is `metadata.google.internal`. */
export function normalizeHostName(host: string): string {
  return host.toLowerCase().replace(/\.+$/, '');
}

/**
 * Wildcard-DNS services (nip.io, sslip.io, xip.io and their many clones) resolve `10.0.0.1.nip.io`
 * or `10-0-0-1.sslip.io` to the address in the name. A name that spells a blocked address is
 * refused even where no resolver is available to prove it.
 */
function embedsBlockedIpv4(name: string): boolean {
  const labels = name.split('.');
  for (let i = 0; i + 4 <= labels.length; i++) {
    const quad = labels.slice(i, i + 4);
    if (quad.every((l) => /^\d{1,3}$/.test(l))) {
      const ip = parseIpv4(quad.join('.'));
      if (ip && blockedRangeOf(ip)) return true;
    }
  }
  for (const label of labels) {
    const match = /(?:^|[^0-9])(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})(?:$|[^0-9])/.exec(label);
    if (match) {
      const ip = parseIpv4(match.slice(1, 5).join('.'));
      if (ip && blockedRangeOf(ip)) return true;
    }
    if (/^0x[0-9a-f]{8}$/i.test(label)) {
      const ip = parseIpv4(label);
      if (ip && blockedRangeOf(ip)) return true;
    }
  }
  return false;
}

/** Why a host name (not an IP literal) is refused, or undefined when it may be looked up. */
export function blockedNameReason(host: string): BlockedNameReason | undefined {
  const name = normalizeHostName(host);
  if (name === '') return 'local-name';
  if (BLOCKED_NAMES.has(name))
    return name.startsWith('metadata') || name.startsWith('instance-data') ? 'metadata-name' : 'local-name';
  if (!name.includes('.')) return 'local-name'; // a single label is resolved by the local search path
  if (BLOCKED_SUFFIXES.some((s) => name.endsWith(s))) return 'local-name';
  if (embedsBlockedIpv4(name)) return 'embedded-ip';
  return undefined;
}
