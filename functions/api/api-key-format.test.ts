import { describe, expect, it } from 'vitest';
import { apiKeyId, generateApiKey, hashApiKey, scopeAllowsChannel } from './api-key-format.ts';

describe('api key format', () => {
  it('generates keys whose id parses back and whose hash is stable', async () => {
    const { keyId, key } = generateApiKey();
    expect(apiKeyId(key)).toBe(keyId);
    expect(await hashApiKey(key)).toBe(await hashApiKey(key));
    expect(await hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashApiKey(key)).not.toContain(key.slice(20));
  });

  it('hashes exactly as Web Crypto did, so keys stored before still match', async () => {
    const { key } = generateApiKey();
    const web = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key)));
    expect(await hashApiKey(key)).toBe(Buffer.from(web).toString('hex'));
    expect(await hashApiKey('pe_0123456789abcdef_é')).toBe(
      Buffer.from(
        await crypto.subtle.digest('SHA-256', new TextEncoder().encode('pe_0123456789abcdef_é')),
      ).toString('hex'),
    );
  });

  it('generates different keys every time', () => {
    const keys = new Set(Array.from({ length: 50 }, () => generateApiKey().key));
    expect(keys.size).toBe(50);
  });

  it('rejects anything that is not a whole key', () => {
    const { key } = generateApiKey();
    expect(apiKeyId(key.slice(0, -1))).toBeUndefined();
    expect(apiKeyId(`${key}x`)).toBeUndefined();
    expect(apiKeyId('pe_zz_abc')).toBeUndefined();
  });

  it('narrows a scope to its channels only when it lists some', () => {
    expect(scopeAllowsChannel({ provider: 'echo', tenant: 'demo' }, 'any')).toBe(true);
    const narrow = { provider: 'echo', tenant: 'demo', channels: ['general'] };
    expect(scopeAllowsChannel(narrow, 'general')).toBe(true);
    expect(scopeAllowsChannel(narrow, 'secret')).toBe(false);
  });
});
