/**
 * The server side of the container egress contract: a fetch-style handler the voice host mounts at
 * `POST /egress/fetch`. It authenticates the caller, validates the body, fetches through the
 * direct egress (SSRF guard + DNS checks in Node) and maps every outcome to the contract.
 */
import type { HttpFetch } from '../effects/effect-ports.ts';
import { DirectEgress } from './direct-egress.ts';
import { EGRESS_HEADERS, type EgressFetchFailure, EgressFetchRequest } from './egress-contract.ts';
import { SsrfRefusedError, UpstreamRefusedError, UpstreamUnavailableError } from './egress-errors.ts';
import { type HostResolver, ssrfPolicy } from './ssrf-policy.ts';

export interface EgressEndpointOptions {
  /** The shared secret callers must present as `Authorization: Bearer <secret>`; at least 16 characters. */
  secret: string;
  fetch: HttpFetch;
  resolve?: HostResolver | undefined;
  /** NEVER FOR PRODUCTION: loopback origins exempt from address checks (tests only). */
  trusted_origins?: readonly string[];
}

function failure(status: number, error: EgressFetchFailure['error']): Response {
  return Response.json({ error } satisfies EgressFetchFailure, { status });
}

/** Constant-time comparison so the secret cannot be guessed byte by byte from timings. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

/** Builds the handler; throws at construction when the secret is too short to be a secret. */
export function egressEndpoint(o: EgressEndpointOptions): (request: Request) => Promise<Response> {
  if (o.secret.length < 16)
    throw new Error('egress endpoint: the shared secret must be at least 16 characters');
  return async function egressFetch(request) {
    if (request.method !== 'POST') return failure(400, { kind: 'bad_request', message: 'use POST' });
    const auth = request.headers.get('authorization') ?? '';
    if (!sameSecret(auth, `Bearer ${o.secret}`)) {
      return failure(401, { kind: 'unauthorized', message: 'missing or wrong shared secret' });
    }
    const parsed = EgressFetchRequest.safeParse(await request.json().catch(() => undefined));
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
      return failure(400, { kind: 'bad_request', message: issues.join('; ') });
    }
    const body = parsed.data;
    const egress = new DirectEgress({
      fetch: o.fetch,
      resolve: o.resolve,
      policy: ssrfPolicy({ max_redirects: body.max_redirects, trusted_origins: o.trusted_origins ?? [] }),
    });
    try {
      const fetched = await egress.fetchAttachment(body.url, body);
      return new Response(fetched.bytes, {
        status: 200,
        headers: {
          'content-type': fetched.content_type,
          'content-length': String(fetched.bytes.byteLength),
          [EGRESS_HEADERS.finalUrl]: fetched.final_url,
          [EGRESS_HEADERS.redirects]: String(fetched.redirects),
        },
      });
    } catch (e) {
      if (e instanceof SsrfRefusedError)
        return failure(422, { kind: 'refused', reason: e.reason, message: e.message });
      if (e instanceof UpstreamRefusedError) {
        return failure(502, { kind: 'upstream_status', status: e.status, message: e.message });
      }
      if (e instanceof UpstreamUnavailableError) {
        if (e.status !== undefined) {
          return failure(502, {
            kind: 'upstream_status',
            status: e.status,
            retry_after_ms: e.retryAfterMs,
            message: e.message,
          });
        }
        return failure(504, { kind: 'upstream_unavailable', message: e.message });
      }
      return failure(504, { kind: 'upstream_unavailable', message: String(e) });
    }
  };
}
