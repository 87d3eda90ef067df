/** Serves a fetch handler (a Hono app) on 127.0.0.1 with node:http, streaming bodies both ways. For tests and benchmarks. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface NodeHttpServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
}

export async function serveFetch(
  handler: (request: Request) => Response | Promise<Response>,
): Promise<NodeHttpServer> {
  const server = createServer(async (req, res) => {
    const abort = new AbortController();
    // A client that hangs up aborts the request, as in workerd: the bridge cancels its upstream call on it.
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method ?? 'GET',
      headers: req.headers as Record<string, string>,
      signal: abort.signal,
      ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
    });
    try {
      const response = await handler(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      if (response.body) for await (const chunk of response.body) res.write(chunk);
      res.end();
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
