/**
 * A fetch for Node processes (the voice-host egress) whose sockets connect only through
 * `guardedLookup`: the address the socket actually uses is checked, so a name that resolved to a
 * public address for the guard cannot be re-resolved to a private one for the connection (DNS
 * rebinding). It never follows redirects (the redirect follower re-checks each hop). Not for Workers.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { HttpFetch } from '../effects/effect-ports.ts';
import { guardedLookup } from './node-dns-resolver.ts';

function responseHeaders(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  return headers;
}

const NO_BODY = new Set([101, 204, 205, 304]);

export const nodeGuardedFetch: HttpFetch = (input, init) =>
  new Promise<Response>((resolve, reject) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(
      url,
      {
        method: request.method,
        headers: Object.fromEntries(request.headers),
        lookup: guardedLookup,
        signal: request.signal,
      },
      (res) => {
        const status = res.statusCode ?? 502;
        const body =
          NO_BODY.has(status) || request.method === 'HEAD'
            ? null
            : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
        if (body === null) res.resume();
        resolve(
          new Response(body, { status, statusText: res.statusMessage ?? '', headers: responseHeaders(res) }),
        );
      },
    );
    req.on('error', reject);
    if (request.body) {
      Readable.fromWeb(request.body as unknown as NodeReadableStream<Uint8Array>).pipe(req);
    } else {
      req.end();
    }
  });
