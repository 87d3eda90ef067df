/** An unexpected bridge failure answers `internal` and logs one line an operator can follow: corr id and tenant, never the key. */
import { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createV1App } from '../../functions/api/v1-app.ts';
import { BridgeLimiter } from '../../functions/llm-gateway/bridge-limiter.ts';
import type { GatewayCore } from '../../functions/llm-gateway/gateway-core.ts';
import { MemoryV1Backend } from './memory-v1-backend.ts';

afterEach(() => vi.restoreAllMocks());

describe('bridge failure log', () => {
  it.each([false, true])('logs request id and tenant without the key (stream %s)', async (stream) => {
    const backend = new MemoryV1Backend();
    const key = await backend.addKey({ provider: 'echo', tenant: 'demo' });
    const broken = {
      chat: async () => {
        throw new TypeError('a bug in the core');
      },
    } as unknown as GatewayCore;
    const app = new Hono().route(
      '/v1',
      createV1App(() => backend, {
        gateway: { coreOf: () => broken, limiter: new BridgeLimiter() },
      }),
    );
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await app.request('/v1/chat/completions', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream }),
    });
    const text = await res.text();
    expect(stream ? res.status : JSON.parse(text).error.code).toBe(stream ? 200 : 'internal');
    if (stream) expect(text).toContain('"code":"internal"');
    expect(logged).toHaveBeenCalledOnce();
    const line = String(logged.mock.calls[0]?.[0]);
    expect(JSON.parse(line)).toMatchObject({
      msg: 'llm bridge request failed',
      request_id: res.headers.get('x-request-id'),
      provider: 'echo',
      tenant: 'demo',
      error: 'TypeError: a bug in the core',
    });
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(line).not.toContain(key.slice(3));
  });
});
