/**
 * `POST /interactions/<provider>/<tenant>`: the public Interactions Endpoint URL. This Worker holds no
 * provider credential, so it never reads the interaction: it caps and reads the raw bytes and hands
 * them, with the signature headers, to the access Worker (typed RPC on the `ACCESS` binding), whose
 * provider adapter verifies and answers. The answer is raced against a deadline so the response
 * always leaves well inside Discord's 3 s.
 */
import { SegmentName } from '@promethean/schemas/identifiers';
import { componentTelemetry } from '@promethean/shared/agent/telemetry';
import { accessRpc } from '@promethean/shared/platform/access-rpc';
import {
  type InteractionReply,
  MAX_INTERACTION_BODY_BYTES,
} from '@promethean/shared/platform/interaction-intake';
import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { readCappedBody } from './interactions-body.ts';

const log = componentTelemetry('interactions-route');

/** How long the access Worker may take (of Discord's 3,000 ms) before this Worker answers 503 itself. */
export const DEFAULT_ACCESS_DEADLINE_MS = 2_500;

export const interactions = new Hono<{ Bindings: FunctionsEnv }>();

function deadlineOf(env: FunctionsEnv): number {
  const raw = (env as unknown as Record<string, unknown>).INTERACTION_ACCESS_DEADLINE_MS;
  const n = typeof raw === 'string' ? Number(raw) : Number.NaN;
  return Number.isFinite(n) && n > 0 ? n : DEFAULT_ACCESS_DEADLINE_MS;
}

const tooLarge = {
  error: 'payload_too_large',
  message: `interactions are at most ${MAX_INTERACTION_BODY_BYTES} bytes`,
};

const TIMED_OUT: InteractionReply = {
  status: 503,
  body: { error: 'access_timeout', message: 'the access layer did not answer in time' },
};

async function answerWithin(work: Promise<InteractionReply>, ms: number): Promise<InteractionReply> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<InteractionReply>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  const settled = work.catch((e: unknown): InteractionReply => {
    log.error('access acceptInteraction failed', { error: String(e) });
    return { status: 502, body: { error: 'access_unavailable', message: 'the access layer failed' } };
  });
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

interactions.post('/:provider/:tenant', async (c) => {
  const provider = SegmentName.safeParse(c.req.param('provider'));
  const tenant = SegmentName.safeParse(c.req.param('tenant'));
  if (!provider.success || !tenant.success)
    return c.json({ error: 'not_found', message: 'no such provider or tenant' }, 404);
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > MAX_INTERACTION_BODY_BYTES) return c.json(tooLarge, 413);
  const received_at = Date.now();
  const routeStarted = performance.now();
  const body = await readCappedBody(c.req.raw.body, MAX_INTERACTION_BODY_BYTES);
  if (body === 'too_large') return c.json(tooLarge, 413);
  const deadline = deadlineOf(c.env);
  const request_id = crypto.randomUUID();
  const access = accessRpc(c.env);
  const rpcStarted = performance.now();
  const reply = await answerWithin(
    access.acceptInteraction({
      provider: provider.data,
      tenant: tenant.data,
      signature: c.req.header('x-signature-ed25519') ?? '',
      timestamp: c.req.header('x-signature-timestamp') ?? '',
      body,
      received_at,
      request_id,
      answer_by: received_at + deadline,
    }),
    deadline,
  );
  const rpcMs = performance.now() - rpcStarted;
  if (reply === TIMED_OUT) {
    // The provider hears "failed": whatever the late call started must not run after all.
    const abandoning = access
      .abandonInteraction({ provider: provider.data, tenant: tenant.data, request_id })
      .catch((e: unknown) =>
        componentTelemetry('interactions-route', { provider: provider.data, tenant: tenant.data }).error(
          'could not abandon a timed-out interaction',
          { request_id, error: String(e) },
        ),
      );
    c.executionCtx.waitUntil(abandoning);
  }
  c.header('server-timing', serverTiming(performance.now() - routeStarted, rpcMs, reply.timing));
  return c.json(reply.body as object, reply.status as ContentfulStatusCode);
});

/** Per-hop durations for `bench:interactions` (workerd's clock only moves across I/O, so CPU shows as 0). */
function serverTiming(routeMs: number, rpcMs: number, access: InteractionReply['timing']): string {
  const hops: Array<[string, number]> = [
    ['route', routeMs],
    ['access_rpc', rpcMs],
    ...(access
      ? ([
          ['access', access.access_ms],
          ['verify', access.verify_ms],
          ['guard', access.guard_ms],
        ] as Array<[string, number]>)
      : []),
  ];
  return hops.map(([name, ms]) => `${name};dur=${Math.round(ms * 10) / 10}`).join(', ');
}
