/**
 * The host's HTTP control API (Hono): join, leave, play, health, and the reserved attachment egress.
 * Everything but GET /health needs `Authorization: Bearer <VOICE_HOST_SECRET>`.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { HostRequestError } from '../host/host-errors.ts';
import type { VoiceHost } from '../host/voice-host.ts';
import { bearerSecret } from './bearer-secret.ts';
import { JoinRequest, PlayRequest } from './control-requests.ts';

export interface ControlApiOptions {
  readonly host: Pick<VoiceHost, 'join' | 'leave' | 'play' | 'playFromUrl' | 'health'>;
  readonly secret: string;
  /** Largest PCM a play request may carry (decoded bytes). */
  readonly maxPcmBytes: number;
  /** The attachment egress handler (shared/net/egress-endpoint.ts), when EGRESS_SHARED_SECRET is set. */
  readonly egress?: (request: Request) => Promise<Response>;
}

function badRequest(message: string, issues: string[] = []) {
  return { error: { kind: 'bad_request', message, ...(issues.length > 0 && { issues }) } };
}

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
}

async function jsonBody(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    return Symbol.for('invalid-json');
  }
}

export function controlApi(o: ControlApiOptions): Hono {
  const app = new Hono();

  app.get('/health', (c) => {
    const h = o.host.health();
    return c.json(h, h.state === 'STOPPED' ? 503 : 200);
  });

  // The egress authenticates with its own shared secret (docs/attachments.md); unconfigured, it falls
  // through to the authenticated 501 below.
  app.post('/egress/fetch', async (c, next) => (o.egress ? o.egress(c.req.raw) : next()));

  app.use('*', bearerSecret(o.secret));

  app.post('/egress/fetch', (c) =>
    c.json(
      {
        error: {
          kind: 'not_implemented',
          message:
            'the attachment egress is off on this host: set EGRESS_SHARED_SECRET to enable it (docs/attachments.md)',
        },
      },
      501,
    ),
  );

  app.get('/sessions', (c) => c.json({ sessions: o.host.health().sessions }));

  app.post('/sessions', async (c) => {
    const body = await jsonBody(c.req.raw);
    if (typeof body === 'symbol') return c.json(badRequest('body is not JSON'), 400);
    const parsed = JoinRequest.safeParse(body);
    if (!parsed.success) return c.json(badRequest('invalid join request', issuesOf(parsed.error)), 400);
    return c.json({ session: o.host.join(parsed.data) }, 201);
  });

  app.delete('/sessions/:id', (c) => {
    o.host.leave(c.req.param('id'));
    return c.json({ ok: true });
  });

  const playLimit = Math.ceil((o.maxPcmBytes * 4) / 3) + 64 * 1024;
  app.post(
    '/sessions/:id/play',
    bodyLimit({
      maxSize: playLimit,
      onError: (c) =>
        c.json({ error: { kind: 'too_large', message: `body exceeds ${playLimit} bytes` } }, 413),
    }),
    async (c) => {
      const body = await jsonBody(c.req.raw);
      if (typeof body === 'symbol') return c.json(badRequest('body is not JSON'), 400);
      const parsed = PlayRequest.safeParse(body);
      if (!parsed.success) return c.json(badRequest('invalid play request', issuesOf(parsed.error)), 400);
      const { item, pcm_base64, url } = parsed.data;
      const id = c.req.param('id');
      const result =
        url !== undefined
          ? await o.host.playFromUrl(id, item, url)
          : o.host.play(id, item, new Uint8Array(Buffer.from(pcm_base64!, 'base64')));
      return c.json({ result }, 202);
    },
  );

  app.notFound((c) =>
    c.json({ error: { kind: 'not_found', message: `no route ${c.req.method} ${c.req.path}` } }, 404),
  );

  app.onError((e, c) => {
    if (e instanceof HostRequestError) {
      return c.json({ error: { kind: 'rejected', message: e.message } }, e.status);
    }
    return c.json(
      { error: { kind: 'internal', message: 'the voice host failed to handle the request' } },
      500,
    );
  });

  return app;
}
