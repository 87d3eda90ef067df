import { startNodeServer } from '@promethean/test/net/local-http-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectEgress } from './direct-egress.ts';
import { nodeDnsResolver } from './node-dns-resolver.ts';
import { nodeGuardedFetch } from './node-guarded-fetch.ts';
import { ssrfPolicy } from './ssrf-policy.ts';

let server: Awaited<ReturnType<typeof startNodeServer>>;
beforeAll(async () => {
  server = await startNodeServer((req, res) => {
    if (req.url === '/a.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(Buffer.from([1, 2, 3]));
    } else {
      res.writeHead(302, { location: '/a.png' });
      res.end();
    }
  });
});
afterAll(async () => {
  await server.close();
});

describe('nodeGuardedFetch', () => {
  it('serves the direct egress in Node, redirects left to the guard', async () => {
    const egress = new DirectEgress({
      fetch: nodeGuardedFetch,
      resolve: nodeDnsResolver,
      policy: ssrfPolicy({ trusted_origins: [server.origin] }),
    });
    const got = await egress.fetchAttachment(`${server.origin}/start`, {
      max_bytes: 100,
      allowed_content_types: ['image/*'],
      timeout_ms: 2_000,
    });
    expect(got.bytes).toEqual(new Uint8Array([1, 2, 3]));
    expect(got.redirects).toBe(1);
    expect(server.hits).toEqual(['GET /start', 'GET /a.png']);
  });

  it('refuses to connect when the name resolves to a blocked address at connect time', async () => {
    const before = server.hits.length;
    const port = new URL(server.origin).port;
    await expect(nodeGuardedFetch(`http://localhost:${port}/a.png`)).rejects.toMatchObject({
      code: 'ESSRFBLOCKED',
    });
    expect(server.hits.length).toBe(before);
  });
});
