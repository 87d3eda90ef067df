/** The direct and container egresses against real local servers: redirects, size caps, types, statuses, DNS. */
import { ContainerEgress } from '@promethean/shared/net/container-egress';
import { DirectEgress } from '@promethean/shared/net/direct-egress';
import { egressEndpoint } from '@promethean/shared/net/egress-endpoint';
import {
  SsrfRefusedError,
  UpstreamRefusedError,
  UpstreamUnavailableError,
} from '@promethean/shared/net/egress-errors';
import { ssrfPolicy } from '@promethean/shared/net/ssrf-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalServer, serveFetchHandler, startNodeServer, startRawServer } from './local-http-server.ts';

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const limits = { max_bytes: 1024, allowed_content_types: ['image/*', 'text/plain'], timeout_ms: 2_000 };

let origin: LocalServer;
let raw: LocalServer;
let hanging: LocalServer;
let redirectTarget = '';

beforeAll(async () => {
  origin = await startNodeServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (path === '/a.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PNG.length) });
      res.end(PNG);
    } else if (path === '/redirect') {
      res.writeHead(302, { location: redirectTarget });
      res.end();
    } else if (path.startsWith('/loop')) {
      res.writeHead(301, { location: `/loop${path.length}` });
      res.end();
    } else if (path === '/hop') {
      res.writeHead(307, { location: '/a.png' });
      res.end();
    } else if (path === '/big-declared') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '5000' });
      res.end(Buffer.alloc(5000));
    } else if (path === '/page.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html></html>');
    } else if (path === '/gone') {
      res.writeHead(404);
      res.end();
    } else if (path === '/busy') {
      res.writeHead(503, { 'retry-after': '7' });
      res.end();
    } else {
      res.writeHead(400);
      res.end();
    }
  });
  // No Content-Length and a body far over the cap: only the streaming count can stop it.
  raw = await startRawServer((socket) => {
    socket.write('HTTP/1.1 200 OK\r\ncontent-type: image/png\r\nconnection: close\r\n\r\n');
    socket.end(Buffer.alloc(64 * 1024, 7));
  });
  // Accepts the connection and never answers.
  hanging = await startRawServer(() => {});
});

afterAll(async () => {
  await Promise.all([origin.close(), raw.close(), hanging.close()]);
});

function direct(trusted: string[], resolve?: (h: string) => Promise<string[]>) {
  return new DirectEgress({
    fetch: (input, init) => fetch(input, init),
    policy: ssrfPolicy({ trusted_origins: trusted }),
    resolve,
  });
}

describe('direct egress', () => {
  it('fetches allowed bytes from a trusted local origin', async () => {
    const got = await direct([origin.origin]).fetchAttachment(`${origin.origin}/a.png?sig=abc`, limits);
    expect(got.bytes).toEqual(PNG);
    expect(got.content_type).toBe('image/png');
    expect(got.final_url).toBe(`${origin.origin}/a.png?…`);
  });

  it('refuses the local origin when it is not trusted (the default)', async () => {
    await expect(direct([]).fetchAttachment(`${origin.origin}/a.png`, limits)).rejects.toMatchObject({
      name: 'SsrfRefusedError',
      reason: 'blocked_address',
    });
  });

  it('follows a redirect within the trusted origin and counts it', async () => {
    const got = await direct([origin.origin]).fetchAttachment(`${origin.origin}/hop`, limits);
    expect(got.redirects).toBe(1);
    expect(got.bytes).toEqual(PNG);
  });

  it.each([
    ['the metadata address', 'http://169.254.169.254/latest/meta-data/iam/', 'blocked_address'],
    ['a decimal loopback', 'http://2130706433/', 'blocked_address'],
    ['a mapped IPv6 loopback on the same port', 'http://[::ffff:127.0.0.1]:PORT/a.png', 'blocked_address'],
    ['localhost on the same port', 'http://localhost:PORT/a.png', 'blocked_name'],
    ['a metadata name', 'http://metadata.google.internal/computeMetadata/v1/', 'blocked_name'],
    ['a file URL', 'file:///etc/passwd', 'scheme'],
  ])('refuses a redirect to %s before connecting to it', async (_, target, reason) => {
    redirectTarget = target.replace('PORT', new URL(origin.origin).port);
    const before = origin.hits.length;
    await expect(
      direct([origin.origin]).fetchAttachment(`${origin.origin}/redirect`, limits),
    ).rejects.toMatchObject({
      reason,
    });
    expect(origin.hits.slice(before)).toEqual(['GET /redirect']);
  });

  it.each([
    'http://10.1.2.3/',
    'http://172.16.5.4/',
    'http://192.168.0.1/',
    'http://100.64.0.1/',
    'http://169.254.1.1/',
    'http://0.0.0.0/',
    'http://0x7f000001/',
    'http://0x7f.0x0.0x0.0x1/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://127.0.0.1./',
    'http://[::1]/',
    'http://[::]/',
    'http://[::ffff:7f00:1]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[fd00:ec2::254]/latest/',
    'http://[fe80::1]/',
    'http://[fc00::1]/',
    'http://224.0.0.1/',
    'http://255.255.255.255/',
    'http://169.254.169.254.nip.io/',
    'http://localhost./',
  ])('refuses a redirect to %s without connecting to it', async (target) => {
    redirectTarget = target;
    const before = origin.hits.length;
    const error = await direct([origin.origin])
      .fetchAttachment(`${origin.origin}/redirect`, limits)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SsrfRefusedError);
    expect(['blocked_address', 'blocked_name']).toContain((error as SsrfRefusedError).reason);
    expect(origin.hits.slice(before)).toEqual(['GET /redirect']);
  });

  it('stops after max_redirects hops', async () => {
    const before = origin.hits.length;
    await expect(
      direct([origin.origin]).fetchAttachment(`${origin.origin}/loop`, limits),
    ).rejects.toMatchObject({
      reason: 'too_many_redirects',
    });
    expect(origin.hits.length - before).toBe(4); // the first request and three redirects
  });

  it('refuses a declared Content-Length over the cap before reading', async () => {
    await expect(
      direct([origin.origin]).fetchAttachment(`${origin.origin}/big-declared`, limits),
    ).rejects.toMatchObject({ reason: 'too_large', message: expect.stringContaining('Content-Length 5000') });
  });

  it('aborts a body without Content-Length once it passes the cap', async () => {
    await expect(direct([raw.origin]).fetchAttachment(`${raw.origin}/stream`, limits)).rejects.toMatchObject({
      reason: 'too_large',
      message: expect.stringContaining('no Content-Length'),
    });
  });

  it('aborts a body whose Content-Length lied', async () => {
    const lying = new DirectEgress({
      policy: ssrfPolicy(),
      fetch: async () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              controller.enqueue(new Uint8Array(512));
            },
          }),
          { headers: { 'content-type': 'image/png', 'content-length': '100' } },
        ),
    });
    await expect(lying.fetchAttachment('https://cdn.example.com/a.png', limits)).rejects.toMatchObject({
      reason: 'too_large',
      message: expect.stringContaining('Content-Length said 100'),
    });
  });

  it('refuses a content type outside the allowlist', async () => {
    await expect(
      direct([origin.origin]).fetchAttachment(`${origin.origin}/page.html`, limits),
    ).rejects.toMatchObject({ reason: 'content_type' });
  });

  it('turns 404 into a final refusal and 503 into a retry with the server delay', async () => {
    const e = direct([origin.origin]);
    await expect(e.fetchAttachment(`${origin.origin}/gone`, limits)).rejects.toBeInstanceOf(
      UpstreamRefusedError,
    );
    const busy = await e.fetchAttachment(`${origin.origin}/busy`, limits).catch((x: unknown) => x);
    expect(busy).toBeInstanceOf(UpstreamUnavailableError);
    expect((busy as UpstreamUnavailableError).retryAfterMs).toBe(7000);
  });

  it('gives up on a server that never answers, as a retriable failure', async () => {
    const e = direct([hanging.origin]);
    await expect(
      e.fetchAttachment(`${hanging.origin}/slow.png`, { ...limits, timeout_ms: 150 }),
    ).rejects.toMatchObject({
      name: 'UpstreamUnavailableError',
      message: expect.stringContaining('within 150 ms'),
    });
  });

  it('checks every resolved address and never connects to a name that resolves privately', async () => {
    const e = direct([], async () => ['93.184.216.34', '127.0.0.1']);
    await expect(e.fetchAttachment('https://images.example.com/a.png', limits)).rejects.toMatchObject({
      reason: 'resolves_to_blocked_address',
    });
  });
});

describe('container egress (the voice-host contract)', () => {
  const secret = 'test-shared-secret-0123456789';
  let container: LocalServer;

  beforeAll(async () => {
    container = await serveFetchHandler(
      egressEndpoint({ secret, fetch: (i, init) => fetch(i, init), trusted_origins: [origin.origin] }),
    );
  });
  afterAll(async () => {
    await container.close();
  });

  function viaContainer(key = secret, trusted = [origin.origin]) {
    return new ContainerEgress({
      baseUrl: container.origin,
      secret: key,
      fetch: (i, init) => fetch(i, init),
      policy: ssrfPolicy({ trusted_origins: trusted }),
    });
  }

  it('fetches bytes through the container', async () => {
    const got = await viaContainer().fetchAttachment(`${origin.origin}/hop`, limits);
    expect(got.bytes).toEqual(PNG);
    expect(got.content_type).toBe('image/png');
    expect(got.redirects).toBe(1);
  });

  it('carries the container guard refusal back as SsrfRefusedError', async () => {
    redirectTarget = 'http://169.254.169.254/latest/meta-data/';
    const e = await viaContainer()
      .fetchAttachment(`${origin.origin}/redirect`, limits)
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SsrfRefusedError);
    expect((e as SsrfRefusedError).reason).toBe('blocked_address');
  });

  it('refuses a private URL locally without calling the container', async () => {
    const before = container.hits.length;
    await expect(viaContainer().fetchAttachment('http://10.0.0.1/a.png', limits)).rejects.toBeInstanceOf(
      SsrfRefusedError,
    );
    expect(container.hits.length).toBe(before);
  });

  it('maps upstream statuses and a wrong secret', async () => {
    await expect(viaContainer().fetchAttachment(`${origin.origin}/gone`, limits)).rejects.toMatchObject({
      name: 'UpstreamRefusedError',
      status: 404,
    });
    await expect(viaContainer().fetchAttachment(`${origin.origin}/busy`, limits)).rejects.toMatchObject({
      name: 'UpstreamUnavailableError',
      retryAfterMs: 7000,
    });
    await expect(
      viaContainer('wrong-secret-0123456789').fetchAttachment(`${origin.origin}/a.png`, limits),
    ).rejects.toMatchObject({
      name: 'EgressConfigurationError',
    });
  });

  it('validates the request body against the contract', async () => {
    const res = await fetch(`${container.origin}/egress/fetch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'not a url', max_bytes: -1 }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { kind: string; message: string } };
    expect(body.error.kind).toBe('bad_request');
    expect(body.error.message).toContain('max_bytes');
  });
});
