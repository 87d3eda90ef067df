/**
 * The `/v1` tool catalog as an MCP server (streamable HTTP, stateless: one server per request) at `/v1/mcp`,
 * behind the same API key. Built on the official `@modelcontextprotocol/sdk` with its Web-standard transport
 * and the `@cfworker/json-schema` validator, so it runs in Workers. Tools run in-process as the caller's key.
 */
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { CfWorkerJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker';
import type { HashedCatalog } from '@promethean/shared/openapi-tools/catalog-cache';
import type { ToolClient } from '@promethean/shared/openapi-tools/tool-client';

/** Answers one MCP HTTP request over a catalog and a client that already carries the caller's scope. */
export async function handleMcp(
  request: Request,
  catalog: HashedCatalog,
  client: ToolClient,
): Promise<Response> {
  const server = new Server(
    { name: 'promethean-edge-v1', version: catalog.hash.slice(0, 12) },
    { capabilities: { tools: {} }, jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: catalog.tools.map((t) => ({
      name: t.function.name,
      description: t.function.description,
      inputSchema: t.function.parameters as { type: 'object'; [k: string]: unknown },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    const result = await client.invoke(
      { name: req.params.name, arguments: req.params.arguments ?? {} },
      extra.signal,
    );
    return result.ok
      ? {
          content: [
            {
              type: 'text',
              text: result.truncated ? `${result.content}\n[result truncated]` : result.content,
            },
          ],
        }
      : { content: [{ type: 'text', text: result.error }], isError: true };
  });
  // Stateless (no session id) and plain JSON answers: each request stands alone, as Workers prefer.
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  return transport.handleRequest(request);
}
