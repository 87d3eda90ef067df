import { describe, expect, it } from 'vitest';
import { SsrfRefusedError } from './egress-errors.ts';
import { formatIpAddress, parseIpAddress, parseIpv4 } from './ip-address.ts';
import { checkUrl, checkUrlSyntax, isAddressAllowed } from './ssrf-guard.ts';
import { parseTrustedOrigins, ssrfPolicy, TrustedOriginError } from './ssrf-policy.ts';

const policy = ssrfPolicy();

function refusal(url: string): { reason: string; message: string } | undefined {
  try {
    checkUrlSyntax(url, policy);
    return undefined;
  } catch (e) {
    if (!(e instanceof SsrfRefusedError)) throw e;
    return { reason: e.reason, message: e.message };
  }
}

describe('IPv4 parsing follows inet_aton', () => {
  it.each([
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['0x7f.0x0.0x0.0x1', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['10.1', '10.0.0.1'],
    ['0', '0.0.0.0'],
    ['127.0.0.1.', '127.0.0.1'],
    ['0300.0250.0.1', '192.168.0.1'],
  ])('%s is %s', (text, expected) => {
    const ip = parseIpv4(text);
    expect(ip && formatIpAddress(ip)).toBe(expected);
  });

  it.each(['256.0.0.1', '1.2.3.4.5', '4294967296', '08.0.0.1', 'example.com', '1..2', ''])(
    'rejects %j',
    (text) => {
      expect(parseIpv4(text)).toBeUndefined();
    },
  );

  it('parses IPv6 with compression and an embedded IPv4', () => {
    const ip = parseIpAddress('[::ffff:127.0.0.1]');
    expect(ip && formatIpAddress(ip)).toBe('0:0:0:0:0:ffff:7f00:1');
    expect(parseIpAddress('fe80::1%25eth0')).toBeUndefined();
    expect(parseIpAddress('1:2:3:4:5:6:7:8:9')).toBeUndefined();
  });
});

describe('the SSRF guard refuses every private address in every spelling', () => {
  it.each([
    // RFC 1918 private
    ['http://10.0.0.1/', 'private'],
    ['http://172.16.0.1/', 'private'],
    ['http://172.31.255.255/', 'private'],
    ['http://192.168.1.1/', 'private'],
    // loopback, IPv4 and IPv6
    ['http://127.0.0.1/', 'loopback'],
    ['http://127.255.0.9/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    // link-local and metadata
    ['http://169.254.1.1/', 'link-local'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['http://[fd00:ec2::254]/latest/meta-data/', 'metadata'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://100.100.100.200/', 'metadata'],
    // CGNAT, unspecified, unique-local, multicast, broadcast, reserved
    ['http://100.64.0.1/', 'cgnat'],
    ['http://100.127.255.254/', 'cgnat'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://[fc00::1]/', 'unique-local'],
    ['http://[fd12:3456::1]/', 'unique-local'],
    ['http://224.0.0.1/', 'multicast'],
    ['http://[ff02::1]/', 'multicast'],
    ['http://255.255.255.255/', 'broadcast'],
    ['http://240.0.0.1/', 'reserved'],
    // alternative encodings of 127.0.0.1
    ['http://2130706433/', 'loopback'],
    ['http://0x7f000001/', 'loopback'],
    ['http://0x7f.0x0.0x0.0x1/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://127.1/', 'loopback'],
    ['http://127.0.0.1./', 'loopback'],
    ['http://%31%32%37.0.0.1/', 'loopback'],
    // alternative encodings of 169.254.169.254
    ['http://2852039166/', 'metadata'],
    ['http://0xa9fea9fe/', 'metadata'],
    ['http://0251.0376.0251.0376/', 'metadata'],
    ['http://169.254.43518/', 'metadata'],
    // IPv6 forms that carry an IPv4 address
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://[::ffff:169.254.169.254]/', 'metadata'],
    ['http://[::ffff:a9fe:a9fe]/', 'metadata'],
    ['http://[::127.0.0.1]/', 'loopback'],
    ['http://[::ffff:0:10.0.0.1]/', 'private'],
    ['http://[64:ff9b::127.0.0.1]/', 'loopback'],
    ['http://[64:ff9b::a9fe:a9fe]/', 'metadata'],
    ['http://[64:ff9b:1::1]/', 'nat64-local'],
    ['http://[2002:7f00:1::]/', 'loopback'],
    ['http://[2001:0::1]/', 'teredo'],
  ])('%s (%s)', (url, kind) => {
    const r = refusal(url);
    expect(r?.reason).toBe('blocked_address');
    expect(r?.message).toContain(kind);
  });

  it('allows public unicast addresses, including public IPv4 inside NAT64', () => {
    expect(refusal('https://93.184.216.34/a.png')).toBeUndefined();
    expect(refusal('https://[2606:4700::6810:84e5]/a.png')).toBeUndefined();
    expect(refusal('https://[64:ff9b::5db8:d822]/a.png')).toBeUndefined();
    expect(refusal('https://cdn.discordapp.com/attachments/1/2/a.png?ex=1&hm=2')).toBeUndefined();
  });
});

describe('the SSRF guard refuses local and metadata names', () => {
  it.each([
    ['http://localhost/', 'local'],
    ['http://localhost./', 'local'],
    ['http://LOCALHOST:80/', 'local'],
    ['http://api.localhost/', 'local'],
    ['http://metadata.google.internal/computeMetadata/v1/', 'metadata'],
    ['http://metadata.google.internal./computeMetadata/v1/', 'metadata'],
    ['http://Metadata.Google.Internal/', 'metadata'],
    ['http://metadata/', 'metadata'],
    ['http://instance-data/latest/', 'metadata'],
    ['http://printer.local/', 'local'],
    ['http://db.corp/', 'local'],
    ['http://router.home.arpa/', 'local'],
    ['http://intranet/', 'single-label'],
    ['http://10.0.0.1.nip.io/', 'private address'],
    ['http://app.127.0.0.1.sslip.io/', 'private address'],
    ['http://169-254-169-254.sslip.io/', 'private address'],
    ['http://0x7f000001.nip.io/', 'private address'],
  ])('%s', (url, detail) => {
    const r = refusal(url);
    expect(r?.reason).toBe('blocked_name');
    expect(r?.message).toContain(detail);
  });
});

describe('the SSRF guard checks scheme, userinfo and port', () => {
  it.each([
    ['file:///etc/passwd', 'scheme'],
    ['ftp://example.com/a', 'scheme'],
    ['gopher://example.com:70/', 'scheme'],
    ['data:text/plain,hi', 'scheme'],
    ['javascript:alert(1)', 'scheme'],
    ['http://user:pass@example.com/', 'userinfo'],
    ['http://user@example.com/', 'userinfo'],
    ['http://example.com:22/', 'port'],
    ['http://example.com:6379/', 'port'],
    ['not a url', 'invalid_url'],
  ])('%s is refused (%s)', (url, reason) => {
    expect(refusal(url)?.reason).toBe(reason);
  });

  it('redacts the query string (signed CDN URLs) from the refusal', () => {
    expect(refusal('http://10.0.0.1/a.png?hm=secret-signature')?.message).not.toContain('secret-signature');
  });
});

describe('DNS checks, where the runtime can resolve', () => {
  const resolveTo =
    (answers: Record<string, string[]>) =>
    async (host: string): Promise<string[]> => {
      const a = answers[host];
      if (!a) throw new Error('ENOTFOUND');
      return a;
    };

  it('refuses a name when any of its addresses is blocked', async () => {
    const resolve = resolveTo({ 'rebind.example.com': ['93.184.216.34', '10.0.0.7'] });
    await expect(checkUrl('https://rebind.example.com/x', policy, resolve)).rejects.toMatchObject({
      reason: 'resolves_to_blocked_address',
    });
  });

  it('refuses a name resolving to a mapped IPv6 loopback', async () => {
    const resolve = resolveTo({ 'sneaky.example.com': ['::ffff:127.0.0.1'] });
    await expect(checkUrl('https://sneaky.example.com/x', policy, resolve)).rejects.toMatchObject({
      reason: 'resolves_to_blocked_address',
    });
  });

  it('refuses a name that does not resolve, and accepts one with only public addresses', async () => {
    const resolve = resolveTo({ 'cdn.example.com': ['93.184.216.34', '2606:2800:220:1::1'] });
    await expect(checkUrl('https://nowhere.example.com/x', policy, resolve)).rejects.toMatchObject({
      reason: 'unresolvable',
    });
    await expect(checkUrl('https://cdn.example.com/x', policy, resolve)).resolves.toMatchObject({
      trusted: false,
    });
  });

  it('classifies connect-time addresses', () => {
    expect(isAddressAllowed('127.0.0.1')).toBe(false);
    expect(isAddressAllowed('::ffff:10.0.0.1')).toBe(false);
    expect(isAddressAllowed('93.184.216.34')).toBe(true);
    expect(isAddressAllowed('not-an-ip')).toBe(false);
  });
});

describe('trusted origins (tests and local dev only)', () => {
  it('is empty by default', () => {
    expect(policy.trusted_origins).toEqual([]);
  });

  it('exempts exactly the listed loopback origin and nothing else', () => {
    const p = ssrfPolicy({ trusted_origins: ['http://127.0.0.1:4567'] });
    expect(checkUrlSyntax('http://127.0.0.1:4567/file.png', p).trusted).toBe(true);
    expect(() => checkUrlSyntax('http://127.0.0.1:4568/file.png', p)).toThrow(SsrfRefusedError);
    expect(() => checkUrlSyntax('https://127.0.0.1:4567/file.png', p)).toThrow(SsrfRefusedError);
    expect(() => checkUrlSyntax('http://2130706433:4567/file.png', p)).not.toThrow(); // the same origin, spelled differently
    expect(() => checkUrlSyntax('http://u:p@127.0.0.1:4567/file.png', p)).toThrow(/userinfo/);
  });

  it.each([
    'http://10.0.0.1:80',
    'http://169.254.169.254:80',
    'http://localhost:4567',
    'http://127.0.0.1',
    'http://127.0.0.1:4567/path',
    'https://127.0.0.1:4567',
    '*',
  ])('refuses to trust %s', (entry) => {
    expect(() => parseTrustedOrigins([entry])).toThrow(TrustedOriginError);
  });
});
