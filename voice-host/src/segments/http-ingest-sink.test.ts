import {
  pcmLengthProblem,
  SEGMENT_INGEST_FIELDS,
  SegmentIngestEnvelope,
} from '@promethean/schemas/voice/voice-segment-ingest';
import { SystemScheduler } from '@promethean/shared/broker/scheduler';
import { afterEach, describe, expect, it } from 'vitest';
import { type BridgeServer, serveFetch } from '../control/node-http-bridge.ts';
import { DEFAULT_VAD } from '../vad/vad-config.ts';
import { HttpIngestSink } from './http-ingest-sink.ts';
import { SegmentPublisher } from './segment-publisher.ts';

const SECRET = 'ingest-secret-0123456789';
let server: BridgeServer | undefined;

afterEach(async () => {
  await server?.close();
});

/** A stand-in for the functions Worker's route: checks the contract exactly as documented. */
async function ingestRoute(fail: number[]) {
  const stored = new Map<string, number>();
  const statuses = [...fail];
  server = await serveFetch(
    async (request) => {
      if (request.headers.get('authorization') !== `Bearer ${SECRET}`)
        return new Response('no', { status: 401 });
      const status = statuses.shift();
      if (status !== undefined) return new Response('try later', { status });
      const form = await request.formData();
      const env = SegmentIngestEnvelope.safeParse(
        JSON.parse(String(form.get(SEGMENT_INGEST_FIELDS.envelope))),
      );
      const pcm = form.get(SEGMENT_INGEST_FIELDS.pcm);
      if (!env.success || !(pcm instanceof Blob)) return Response.json({ error: 'bad' }, { status: 400 });
      const problem = pcmLengthProblem(env.data, pcm.size);
      if (problem) return Response.json({ error: problem }, { status: 400 });
      stored.set(env.data.id, pcm.size);
      return Response.json({
        ok: true,
        id: env.data.id,
        blob_key: env.data.payload.blob_key,
        bytes: pcm.size,
      });
    },
    '127.0.0.1',
    0,
  );
  return { stored, url: `http://127.0.0.1:${server.port}/voice/segments` };
}

function publisher(url: string, secret = SECRET) {
  const latencies: number[] = [];
  const logs: Array<Record<string, unknown>> = [];
  const p = new SegmentPublisher({
    origin: { provider: 'discord', tenant: 'duck', sessionId: 'vs-1' },
    sink: new HttpIngestSink({ url, secret, timeoutMs: 2_000 }),
    scheduler: new SystemScheduler(),
    vad: DEFAULT_VAD,
    capacity: 4,
    maxAttempts: 3,
    retryBaseMs: 1,
    onPublished: (_w, ms) => latencies.push(ms),
    log: (l) => logs.push(l),
  });
  return { p, latencies, logs };
}

const segment = (ts: number, ms = 400) => ({
  userId: '77',
  tsStart: ts,
  tsEnd: ts + ms,
  pcm: new Int16Array(ms * 48),
  closedAt: ts + ms + 400,
  split: false,
});

describe('HttpIngestSink + SegmentPublisher against an ingest route', () => {
  it('stores each segment under its idempotency key, retrying a 503 in order', async () => {
    const { stored, url } = await ingestRoute([503]);
    const { p } = publisher(url);
    p.enqueue(segment(1_000));
    p.enqueue(segment(2_000));
    await p.idle();
    expect([...stored.keys()]).toEqual(['vs-1:77-1000', 'vs-1:77-2000']);
    expect(stored.get('vs-1:77-1000')).toBe(400 * 48 * 2);
    expect(p.stats()).toMatchObject({ published: 2, retries: 1, rejected: 0, dropped: 0 });
  });

  it('gives up on a 4xx without retrying, and drops the oldest when its queue overflows', async () => {
    const { url } = await ingestRoute([]);
    const { p, logs } = publisher(url, 'wrong-secret-0123456789');
    for (let i = 0; i < 6; i++) p.enqueue(segment(1_000 * i));
    await p.idle();
    const s = p.stats();
    expect(s.retries).toBe(0);
    expect(s.dropped).toBe(1);
    expect(s.rejected).toBe(5);
    expect(logs.some((l) => String(l.error).includes('SegmentRejectedError'))).toBe(true);
  });

  it('stops retrying after maxAttempts of server errors', async () => {
    const { stored, url } = await ingestRoute([500, 500, 500]);
    const { p } = publisher(url);
    p.enqueue(segment(1_000));
    await p.idle();
    expect(stored.size).toBe(0);
    expect(p.stats()).toMatchObject({ published: 0, retries: 2, rejected: 1 });
  });
});
