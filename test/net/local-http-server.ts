/** Real HTTP servers on 127.0.0.1 for egress tests: a Node handler, a fetch-style handler, or raw bytes. */
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket, type Server as TcpServer } from 'node:net';

export interface LocalServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Requests received, in order (method and path). */
  hits: string[];
  close(): Promise<void>;
}

function listen(server: Server | TcpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no port'));
      else resolve(address.port);
    });
  });
}

function closer(server: Server | TcpServer, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** A Node HTTP server; every open socket is destroyed on close so no test waits for keep-alive. */
export async function startNodeServer(listener: RequestListener): Promise<LocalServer> {
  const hits: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    listener(req, res);
  });
  server.on('connection', (s) => {
    s.on('error', () => {}); // a client aborting mid-body is what several tests do on purpose
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server);
  return { origin: `http://127.0.0.1:${port}`, hits, close: closer(server, sockets) };
}

async function toRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
  return new Request(new URL(req.url ?? '/', origin), {
    method: req.method ?? 'GET',
    headers,
    ...(body && req.method !== 'GET' && req.method !== 'HEAD' && { body }),
  });
}

/** Serves a fetch-style handler (`(Request) => Response`) over real HTTP. */
export async function serveFetchHandler(
  handler: (request: Request) => Promise<Response>,
): Promise<LocalServer> {
  let origin = '';
  const server = await startNodeServer((req, res) => {
    void (async () => {
      const response = await handler(await toRequest(req, origin));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    })();
  });
  origin = server.origin;
  return server;
}

/** A TCP server that answers every connection with exactly `raw` (for responses Node's HTTP server refuses to send). */
export async function startRawServer(raw: (socket: Socket) => void): Promise<LocalServer> {
  const hits: string[] = [];
  const sockets = new Set<Socket>();
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (d) => {
      hits.push(d.toString('latin1').split('\r\n')[0] ?? '');
      raw(socket);
    });
  });
  const port = await listen(server);
  return { origin: `http://127.0.0.1:${port}`, hits, close: closer(server, sockets) };
}
