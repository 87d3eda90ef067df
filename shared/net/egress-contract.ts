/**
 * The HTTP contract of the container egress (`POST /egress/fetch` on the voice host): what the
 * functions Worker sends and what the container answers. Provider-agnostic; documented in
 * docs/attachments.md. The container runs the same SSRF guard (shared/net) with DNS checks.
 */
import { z } from 'zod';

export const EGRESS_FETCH_PATH = '/egress/fetch';

/** Headers of a successful answer (the body is the raw bytes). */
export const EGRESS_HEADERS = Object.freeze({
  finalUrl: 'x-egress-final-url',
  redirects: 'x-egress-redirects',
});

/** The request body. Authorization: `Bearer <EGRESS_SHARED_SECRET>`. */
export const EgressFetchRequest = z
  .object({
    url: z.url().max(4096),
    max_bytes: z
      .number()
      .int()
      .positive()
      .max(100 * 1024 * 1024),
    allowed_content_types: z.array(z.string().regex(/^[a-z0-9.+-]+\/(?:\*|[a-z0-9.+-]+)$|^\*\/\*$/)).min(1),
    timeout_ms: z.number().int().positive().max(120_000),
    max_redirects: z.number().int().min(0).max(10),
  })
  .strict();
export type EgressFetchRequest = z.infer<typeof EgressFetchRequest>;

/** The JSON body of every non-200 answer. */
export const EgressFetchFailure = z.object({
  error: z.discriminatedUnion('kind', [
    /** 422: the guard refused (URL, redirect hop, size or content type); never retry. */
    z.object({
      kind: z.literal('refused'),
      reason: z.enum([
        'invalid_url',
        'scheme',
        'userinfo',
        'port',
        'blocked_address',
        'blocked_name',
        'resolves_to_blocked_address',
        'unresolvable',
        'too_many_redirects',
        'too_large',
        'content_type',
      ]),
      message: z.string(),
    }),
    /** 502: the origin answered with an error status; `status` is the origin's. */
    z.object({
      kind: z.literal('upstream_status'),
      status: z.number().int().min(100).max(599),
      retry_after_ms: z.number().int().nonnegative().optional(),
      message: z.string(),
    }),
    /** 504: the origin did not answer in time, or the connection failed. */
    z.object({ kind: z.literal('upstream_unavailable'), message: z.string() }),
    /** 400 / 401: the request itself was wrong (bad body, bad secret). */
    z.object({ kind: z.enum(['bad_request', 'unauthorized']), message: z.string() }),
  ]),
});
export type EgressFetchFailure = z.infer<typeof EgressFetchFailure>;
