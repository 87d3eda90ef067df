import { describe, expect, it } from 'vitest';
import { type ApiKeyRecord, hashApiKey } from '../../functions/api/api-key-format.ts';
import { platformDocument, platformToolCatalog } from '../../functions/api/v1-app.ts';
import { GatewayCoreFactory } from '../../functions/llm-gateway/gateway-core-factory.ts';
import { MemoryV1Backend } from './memory-v1-backend.ts';

const settings = {
  base_url: 'http://127.0.0.1:9/v1',
  api_key: 'sk-unused',
  llm_model: 'm',
  embed_model: 'e',
  timeout_ms: 1_000,
};

async function principalOf(backend: MemoryV1Backend, key: string): Promise<ApiKeyRecord> {
  const record = await backend.lookupKey(await hashApiKey(key));
  if (!record) throw new Error('key not registered');
  return record;
}

describe('GatewayCoreFactory', () => {
  it('shares one document and catalog across callers, and each core runs tools in its own scope', async () => {
    const backend = new MemoryV1Backend();
    const a = await principalOf(backend, await backend.addKey({ provider: 'echo', tenant: 'a' }));
    const b = await principalOf(backend, await backend.addKey({ provider: 'echo', tenant: 'b' }));
    const factory = new GatewayCoreFactory();
    const coreA = await factory.coreFor({ principal: a, settings, backendOf: () => backend });
    const coreB = await factory.coreFor({ principal: b, settings, backendOf: () => backend });

    expect(platformDocument()).toBe(platformDocument());
    expect(await platformToolCatalog()).toBe(await platformToolCatalog());
    expect(coreA.catalogHash()).toBe((await platformToolCatalog()).hash);
    expect(coreB.catalogHash()).toBe(coreA.catalogHash());

    // Building a core touches no store: the in-process /v1 app waits for the first tool call.
    expect(backend.calls).toEqual([]);
    const seen: string[] = [];
    const observed = await factory.coreFor({
      principal: b,
      settings,
      backendOf: () => backend,
      observer: { toolCall: (tool, ok) => seen.push(`${tool}:${ok}`) },
    });
    const resultA = await coreA.invokeTool('get_tenant_status', {}, new AbortController().signal);
    const resultB = await observed.invokeTool('get_tenant_status', {}, new AbortController().signal);
    expect(resultA.ok && JSON.parse(resultA.content).tenant).toBe('a');
    expect(resultB.ok && JSON.parse(resultB.content).tenant).toBe('b');
    expect(backend.calls.map((c) => c.tenant)).toEqual(['echo/a', 'echo/b']);
    expect(seen).toEqual(['get_tenant_status:true']);
  });
});
