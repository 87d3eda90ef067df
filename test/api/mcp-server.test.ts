/**
 * The `/v1` tools as an MCP server, checked with the official MCP client over streamable HTTP on 127.0.0.1:
 * it lists the generated tools and calls them with the key's tenant scope; errors come back as tool errors.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createV1App } from '../../functions/api/v1-app.ts';
import { MemoryV1Backend, seededMessage } from './memory-v1-backend.ts';
import { type NodeHttpServer, serveFetch } from './node-http-server.ts';

const backend = new MemoryV1Backend();
let server: NodeHttpServer;
let demoKey = '';
let gooseKey = '';

beforeAll(async () => {
  demoKey = await backend.addKey({ provider: 'echo', tenant: 'demo' });
  gooseKey = await backend.addKey({ provider: 'discord', tenant: 'goose' });
  backend.addMessages({ provider: 'echo', tenant: 'demo' }, [
    seededMessage('7', 'geometry', 'the hypotenuse is the longest side'),
  ]);
  const root = new Hono().route(
    '/v1',
    createV1App(() => backend),
  );
  server = await serveFetch((r) => root.fetch(r));
});
afterAll(async () => {
  await server.stop();
});

async function connect(key: string): Promise<Client> {
  const client = new Client({ name: 'mcp-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(`${server.url}/v1/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${key}` } },
    }),
  );
  return client;
}

describe('the /v1 MCP server', () => {
  it('lists the generated tools with their schemas', async () => {
    const client = await connect(demoKey);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'get_backfill_job',
      'get_message',
      'get_tenant_status',
      'get_web_page',
      'list_channels',
      'search_messages',
      'search_web',
    ]);
    expect(tools.find((t) => t.name === 'search_messages')?.inputSchema).toMatchObject({
      type: 'object',
      required: ['q'],
    });
    await client.close();
  });

  it('calls a tool with the key tenant scope', async () => {
    const client = await connect(demoKey);
    const found = await client.callTool({ name: 'search_messages', arguments: { q: 'hypotenuse' } });
    expect(found.isError).toBeFalsy();
    const text = (found.content as Array<{ type: string; text: string }>)[0]?.text ?? '';
    expect(JSON.parse(text)).toMatchObject({ hits: [{ message_id: '7', channel_id: 'geometry' }] });
    await client.close();

    const other = await connect(gooseKey);
    const missing = await other.callTool({ name: 'get_message', arguments: { message_id: '7' } });
    expect(missing.isError).toBe(true);
    expect((missing.content as Array<{ text: string }>)[0]?.text).toContain('HTTP 404 not_found');
    const invalid = await other.callTool({ name: 'search_messages', arguments: { limit: 99 } });
    expect(invalid.isError).toBe(true);
    expect((invalid.content as Array<{ text: string }>)[0]?.text).toMatch(/^invalid arguments: /);
    await other.close();
  });

  it('refuses a request without a key', async () => {
    await expect(connect('pe_0000000000000000_x')).rejects.toThrow();
  });
});
