/**
 * DNS for the SSRF guard in Node processes (tests, the voice-host egress). Not imported by Worker
 * code: a Worker has no resolver and relies on the syntactic checks.
 */
import type { LookupAddress, LookupAllOptions, LookupOneOptions } from 'node:dns';
import { lookup as dnsLookup } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isAddressAllowed } from './ssrf-guard.ts';
import type { HostResolver } from './ssrf-policy.ts';

/** Every A and AAAA address of a name, as the system resolver answers. */
export const nodeDnsResolver: HostResolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((a) => a.address);
};

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request` / `net.connect` that refuses to connect to a blocked address.
 * Checking at connect time closes the gap between "the guard resolved a public address" and "the
 * socket resolved again and got a private one" (DNS rebinding).
 */
export function guardedLookup(
  hostname: string,
  options: LookupOneOptions | LookupAllOptions | number,
  callback: LookupCallback,
): void {
  const opts = typeof options === 'number' ? { family: options } : options;
  dnsLookup(hostname, { ...opts, all: true, verbatim: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const list = addresses as LookupAddress[];
    const blocked = list.find((a) => !isAddressAllowed(a.address));
    if (blocked || list.length === 0) {
      const e: NodeJS.ErrnoException = new Error(
        `refused to connect to ${hostname}: ${blocked ? `${blocked.address} is a blocked address` : 'no address'}`,
      );
      e.code = 'ESSRFBLOCKED';
      return callback(e, []);
    }
    if ('all' in opts && opts.all) return callback(null, list);
    const first = list[0] as LookupAddress;
    return callback(null, first.address, first.family);
  });
}
