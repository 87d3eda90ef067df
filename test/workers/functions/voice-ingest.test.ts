/**
 * The segment ingest route inside workerd (docs/voice.md, "Segment ingest"): the host's secret, the
 * envelope and PCM checks, the PCM in R2 under the tenant's prefix, 200 again on redelivery, and the
 * playback blob route that serves voice blobs (and nothing else) to the host.
 */
import { env, exports } from 'cloudflare:workers';
import { segmentBlobKey } from '@promethean/schemas/voice/voice-segment-ingest';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { signPlaybackUrl } from '../../../functions/agents/voice-mixer/playback-url.ts';
import { tenantStoragePorts } from '../../../functions/storage/tenant-storage-ports.ts';
import providersYml from '../../../providers.yml';

const SECRET = 'voice-ingest-test-secret-0123456789';
const auth = { authorization: `Bearer ${SECRET}` };
/** The functions Worker's VOICE_PLAYBACK_SECRET binding in vitest.config.ts. */
const PLAYBACK_SECRET = 'voice-playback-test-secret-0123456789';

let n = 0;
/** Sessions whose segment was accepted: each starts a chain of voice-queue hops that outlives its request. */
const accepted = new Set<string>();

/**
 * Waits until every accepted segment's reply has played out in its session's VoicePlayback object. A queue
 * delivery that lands after this file ended reaches a runner vitest has already closed
 * ("Closing rpc while "resolve" was pending"), so the file ends only when its queues are quiet.
 */
afterAll(async () => {
  const namespace = env.VOICE_PLAYBACK;
  await vi.waitFor(
    async () => {
      for (const session of accepted) {
        const state = await namespace.get(namespace.idFromName(`discord:duck:${session}`)).state();
        expect({ session, replies: Object.keys(state.replies), outbox: state.outbox.length }).toEqual({
          session,
          replies: [],
          outbox: 0,
        });
        expect(state.finished.length, `session ${session} played no reply`).toBeGreaterThan(0);
      }
    },
    { timeout: 30_000, interval: 100 },
  );
});

function segment(overrides: { ts_end?: number; id?: string; tenant?: string } = {}) {
  const session_id = `vs-ingest-${++n}`;
  const p = {
    session_id,
    user_id: '300000000000000001',
    segment_id: '300000000000000001-1000',
    ts_start: 1_000,
    ts_end: overrides.ts_end ?? 1_400,
    format: { encoding: 'pcm_s16le', sample_rate: 48_000, channels: 1 },
    blob_key: '',
    vad: { kind: 'energy', start_threshold: -40, stop_threshold: -47, hangover_ms: 400 },
  };
  const tenant = overrides.tenant ?? 'duck';
  p.blob_key = segmentBlobKey('discord', tenant, p);
  return {
    id: overrides.id ?? `${p.session_id}:${p.segment_id}`,
    ts: '2026-11-25T10:00:00.000Z',
    src: 'voice-host',
    dst: `promethean.p.discord.t.${tenant}.voice.audio.segment`,
    provider: 'discord',
    tenant,
    intent: 'voice.audio.segment',
    payload: p,
  };
}

/** 400 ms of 48 kHz mono s16le: a ramp, so the stored bytes are recognisable. */
function pcm(bytes = 400 * 48 * 2): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = i % 251;
  return out;
}

async function post(envelope: unknown, body: Uint8Array, headers: Record<string, string> = auth) {
  const form = new FormData();
  form.set('envelope', JSON.stringify(envelope));
  form.set('pcm', new Blob([body], { type: 'application/octet-stream' }), 'segment.pcm');
  const res = await exports.default.fetch('http://functions.test/voice/segments', {
    method: 'POST',
    headers,
    body: form,
  });
  const e = envelope as { tenant?: string; payload?: { session_id?: string } };
  if (res.status === 200 && e.tenant === 'duck' && e.payload?.session_id) accepted.add(e.payload.session_id);
  return res;
}

describe('POST /voice/segments', () => {
  it('stores the PCM under the tenant prefix and answers with the id, the key and the size', async () => {
    const env_ = segment();
    const res = await post(env_, pcm());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ok: true,
      id: env_.id,
      blob_key: env_.payload.blob_key,
      bytes: 38_400,
    });
    const object = await env.BLOBS.get(`discord/duck/${env_.payload.blob_key}`);
    expect(object).not.toBeNull();
    expect(new Uint8Array(await object!.arrayBuffer())).toEqual(pcm());
  });

  it('answers 200 again for a redelivered segment and keeps one object', async () => {
    const env_ = segment();
    expect((await post(env_, pcm())).status).toBe(200);
    const again = await post(env_, pcm());
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(env_.id);
    const listed = await env.BLOBS.list({
      prefix: `discord/duck/voice/discord/duck/${env_.payload.session_id}/`,
    });
    expect(listed.objects).toHaveLength(1);
  });

  it('refuses a missing or wrong secret with 401 and stores nothing', async () => {
    const env_ = segment();
    expect((await post(env_, pcm(), {})).status).toBe(401);
    expect((await post(env_, pcm(), { authorization: 'Bearer wrong-secret-but-long-enough' })).status).toBe(
      401,
    );
    expect(await env.BLOBS.get(`discord/duck/${env_.payload.blob_key}`)).toBeNull();
  });

  it('refuses an envelope whose id is not the idempotency key, with the reason', async () => {
    const res = await post(segment({ id: 'made-up' }), pcm());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /id: must equal \{session_id\}:\{segment_id\}/,
    );
  });

  it('refuses PCM whose length does not match ts_end - ts_start', async () => {
    const res = await post(segment(), pcm(1_000));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/pcm is 1000 bytes; .* needs 38400/);
  });

  it('refuses a tenant providers.yml does not have, and a body that is not multipart', async () => {
    expect((await post(segment({ tenant: 'ghost' }), pcm())).status).toBe(400);
    const json = await exports.default.fetch('http://functions.test/voice/segments', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(json.status).toBe(400);
  });
});

describe('POST /voice/segments size cap', () => {
  it('refuses a streamed (chunked) body over the cap without a Content-Length, storing nothing', async () => {
    const env_ = segment();
    const chunk = new Uint8Array(1024 * 1024);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        // 16 MB, past the 60 s cap (11.5 MB), arriving in pieces as a chunked upload does.
        if (sent >= 16) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    const res = await exports.default.fetch('http://functions.test/voice/segments', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'multipart/form-data; boundary=x' },
      body,
    });
    expect(res.status).toBe(413);
    expect(await env.BLOBS.get(`discord/duck/${env_.payload.blob_key}`)).toBeNull();
  });
});

describe('GET /voice/blobs', () => {
  it('serves a voice blob only at a URL the voice-mixer signed, and nothing outside voice/', async () => {
    const env_ = segment();
    await post(env_, pcm());
    const url = new URL(`http://functions.test/voice/blobs/discord/duck/${env_.payload.blob_key}`);
    // The host's shared secret opens nothing here any more.
    expect((await exports.default.fetch(url, { headers: auth })).status).toBe(403);
    const signed = await signPlaybackUrl(url, PLAYBACK_SECRET, Date.now());
    const res = await exports.default.fetch(signed);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(pcm());
    const forged = await signPlaybackUrl(url, 'another-secret-0123456789', Date.now());
    expect((await exports.default.fetch(forged)).status).toBe(403);
    await env.BLOBS.put('discord/duck/attachments/sha256/abc', 'not yours');
    const other = await signPlaybackUrl(
      new URL('http://functions.test/voice/blobs/discord/duck/attachments/sha256/abc'),
      PLAYBACK_SECRET,
      Date.now(),
    );
    expect((await exports.default.fetch(other)).status).toBe(404);
  });
});

describe('a segment through the voice queue in workerd', () => {
  it('is transcribed, drawn, answered, spoken and played: the segment document fills slot by slot', async () => {
    const env_ = segment();
    expect((await post(env_, pcm())).status).toBe(200);
    const view = ProviderRegistry.fromYaml(providersYml).tenant('discord', 'duck');
    const documents = tenantStoragePorts(env, view).documents!;
    const id = `${env_.payload.session_id}:${env_.payload.segment_id}`;
    const deadline = Date.now() + 20_000;
    let slots: string[] = [];
    while (Date.now() < deadline) {
      slots = Object.keys((await documents.get('voice', id))?.slots ?? {}).sort();
      if (['playback', 'reply', 'segment', 'spectrogram', 'transcript'].every((s) => slots.includes(s)))
        break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(slots).toEqual(['playback', 'reply', 'segment', 'spectrogram', 'transcript']);
    const doc = await documents.get('voice', id);
    expect(doc?.index).toEqual({
      session_id: env_.payload.session_id,
      user_id: env_.payload.user_id,
      kind: 'segment',
    });
    expect(doc?.slots.transcript?.value).toMatchObject({ offline: true });
    const reply = doc?.slots.reply?.value as { text: string } | undefined;
    const drawn = doc?.slots.spectrogram?.value as { image_key: string } | undefined;
    expect(reply?.text).toMatch(/^\[offline\]/);
    const image = await env.BLOBS.get(`discord/duck/${drawn?.image_key}`);
    expect(image?.httpMetadata?.contentType).toBe('image/png');
    // The first chunk reached the access layer (voicePlay) with every hop of the way timed.
    const played = doc?.slots.playback?.value as {
      hops: Array<{ stage: string }>;
      speech_to_first_chunk_ms: number;
    };
    expect(played.hops.map((h) => h.stage)).toEqual(['stt', 'reply', 'tts']);
    expect(played.speech_to_first_chunk_ms).toBeGreaterThan(0);
  });
});
