import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { guardedLookup, nodeDnsResolver } from './node-dns-resolver.ts';
import { checkUrl } from './ssrf-guard.ts';
import { ssrfPolicy } from './ssrf-policy.ts';

describe('DNS checks in Node', () => {
  it('resolves with the system resolver, and a loopback answer is refused', async () => {
    const addresses = await nodeDnsResolver('localhost');
    expect(addresses.length).toBeGreaterThan(0);
    // localhost is refused by name already; the resolver path is what catches other names that resolve there.
    const resolveLikeLocalhost = async () => addresses;
    await expect(
      checkUrl('https://looks-public.example.com/', ssrfPolicy(), resolveLikeLocalhost),
    ).rejects.toMatchObject({ reason: 'resolves_to_blocked_address' });
  });

  it('refuses at connect time when the socket would reach a blocked address', async () => {
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
      const req = request({ host: 'localhost', port: 9, path: '/', lookup: guardedLookup }, () => {
        resolve(new Error('connected') as NodeJS.ErrnoException);
      });
      req.on('error', (e: NodeJS.ErrnoException) => resolve(e));
      req.end();
    });
    expect(error.code).toBe('ESSRFBLOCKED');
    expect(error.message).toMatch(/refused to connect to localhost/);
  });
});
