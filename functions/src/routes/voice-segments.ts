/**
 * The voice host's routes on this Worker (docs/voice.md): `POST /voice/segments` stores a segment's PCM in
 * the tenant's blobs and publishes its `voice.audio.segment` envelope unchanged (a redelivery overwrites
 * and republishes the same id, and answers 200 again); it needs the host's secret, and its size cap holds
 * for streamed (chunked) bodies too. `GET /voice/blobs/<provider>/<tenant>/<key>` serves a voice blob
 * (a playback chunk) at the URL the voice-mixer signed with VOICE_PLAYBACK_SECRET: no shared secret rides
 * along with blob fetches.
 */
import { ProviderName, TenantName } from '@promethean/schemas/identifiers';
import {
  pcmLengthProblem,
  SEGMENT_INGEST_FIELDS,
  SegmentIngestEnvelope,
  type SegmentIngestResponse,
} from '@promethean/schemas/voice/voice-segment-ingest';
import { readCappedStream } from '@promethean/shared/net/capped-stream';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import providersYml from '../../../providers.yml';
import { verifyPlaybackUrl } from '../../agents/voice-mixer/playback-url.ts';
import { R2BlobStore, tenantBlobKey } from '../../blobs/r2-blob-store.ts';
import { voiceHostSecret } from '../middleware/voice-host-secret.ts';
import { createFunctionsRuntime } from '../runtime-dependencies.ts';

export const voiceSegments = new Hono<{ Bindings: FunctionsEnv }>();

/** A multipart body is the envelope (a few hundred bytes) and at most 60 s of PCM; more is refused unread. */
const MAX_BODY_BYTES = 60 * 48_000 * 2 * 2 + 64 * 1024;

voiceSegments.use('/segments', voiceHostSecret());

function bad(message: string): never {
  throw new HTTPException(400, { message });
}

async function readForm(request: Request): Promise<FormData> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES)
    throw new HTTPException(413, { message: `body is ${declared} bytes; at most ${MAX_BODY_BYTES}` });
  const contentType = request.headers.get('content-type') ?? '';
  if (!contentType.startsWith('multipart/form-data'))
    bad('the body must be multipart/form-data with the fields envelope and pcm');
  // Content-Length is only a claim (a chunked upload has none): the cap holds on the bytes themselves.
  const bytes = await readCappedStream(request.body, MAX_BODY_BYTES, 'segment body too large');
  if (bytes === 'too_large')
    throw new HTTPException(413, { message: `body is over ${MAX_BODY_BYTES} bytes` });
  try {
    return await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
  } catch (e) {
    return bad(`the multipart body cannot be read: ${(e as Error).message}`);
  }
}

function parseEnvelope(field: ReturnType<FormData['get']>): SegmentIngestEnvelope {
  if (typeof field !== 'string') bad(`field ${SEGMENT_INGEST_FIELDS.envelope} must be JSON text`);
  let json: unknown;
  try {
    json = JSON.parse(field);
  } catch {
    bad(`field ${SEGMENT_INGEST_FIELDS.envelope} is not JSON`);
  }
  const parsed = SegmentIngestEnvelope.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(envelope)'}: ${i.message}`);
    bad(`invalid segment envelope: ${issues.join('; ')}`);
  }
  const { provider, tenant } = parsed.data;
  const known = ProviderRegistry.fromYaml(providersYml)
    .tenants(provider)
    .some((t) => t.tenant === tenant);
  if (!known) bad(`no tenant ${provider}/${tenant} in providers.yml`);
  return parsed.data;
}

voiceSegments.post('/segments', async (c) => {
  const form = await readForm(c.req.raw);
  const envelope = parseEnvelope(form.get(SEGMENT_INGEST_FIELDS.envelope));
  const pcmField = form.get(SEGMENT_INGEST_FIELDS.pcm);
  if (pcmField === null || typeof pcmField === 'string')
    bad(`field ${SEGMENT_INGEST_FIELDS.pcm} must be bytes`);
  const pcm = new Uint8Array(await pcmField.arrayBuffer());
  const problem = pcmLengthProblem(envelope, pcm.byteLength);
  if (problem) bad(problem);
  const blobKey = envelope.payload.blob_key;
  try {
    await new R2BlobStore(c.env.BLOBS, envelope.provider, envelope.tenant).put(
      blobKey,
      pcm,
      'application/octet-stream',
    );
  } catch (e) {
    throw new HTTPException(503, { message: `storing the PCM failed: ${(e as Error).message}` });
  }
  try {
    // The id is the idempotency key: a redelivered segment republishes the same envelope, harmlessly.
    await createFunctionsRuntime(c.env).broker.publish(envelope);
  } catch (e) {
    throw new HTTPException(503, { message: `publishing the segment failed: ${(e as Error).message}` });
  }
  const answer: SegmentIngestResponse = {
    ok: true,
    id: envelope.id,
    blob_key: blobKey,
    bytes: pcm.byteLength,
  };
  return c.json(answer);
});

voiceSegments.get('/blobs/:provider/:tenant/*', async (c) => {
  const secret = (c.env as unknown as { VOICE_PLAYBACK_SECRET?: string }).VOICE_PLAYBACK_SECRET;
  if (!secret)
    throw new HTTPException(503, {
      message: 'VOICE_PLAYBACK_SECRET is not configured on promethean-functions',
    });
  const verdict = await verifyPlaybackUrl(new URL(c.req.url), secret, Date.now());
  if (verdict !== 'ok')
    throw new HTTPException(403, { message: `playback URL refused: ${verdict.replace('_', ' ')}` });
  const provider = ProviderName.safeParse(c.req.param('provider'));
  const tenant = TenantName.safeParse(c.req.param('tenant'));
  const prefix = `/voice/blobs/${c.req.param('provider')}/${c.req.param('tenant')}/`;
  const key = decodeURIComponent(new URL(c.req.url).pathname.slice(prefix.length));
  // Only the voice blobs: attachments and anything else in the bucket are not the host's to read.
  if (!provider.success || !tenant.success || !key.startsWith('voice/') || key.includes('..'))
    throw new HTTPException(404, { message: 'no such voice blob' });
  const object = await c.env.BLOBS.get(tenantBlobKey(provider.data, tenant.data, key));
  if (!object) throw new HTTPException(404, { message: 'no such voice blob' });
  return new Response(object.body, {
    headers: {
      'content-type': object.httpMetadata?.contentType ?? 'application/octet-stream',
      'content-length': String(object.size),
    },
  });
});
