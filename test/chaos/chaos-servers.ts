/**
 * Every server a chaos run starts, on 127.0.0.1, and one `stop()` that ends them all (also after a
 * failure part-way through starting): the MongoDB-wire server (FerretDB, or mongod on PATH), Chroma, the
 * fake Discord (REST over a real socket, one channel of history for the backfill), an attachment origin,
 * and workerd with the TenantDocuments Durable Object.
 */
import { MongoClient } from 'mongodb';
import { type FakeDiscord, startFakeDiscord } from '../fake-discord/fake-discord-rest.ts';
import { type LocalServer, startNodeServer } from '../net/local-http-server.ts';
import { type ChromaServer, startChromaServer } from '../servers/chroma-server.ts';
import { type MongoWireServer, startMongoWireServer } from '../servers/mongo-wire-server.ts';
import { BACKFILL_CHANNEL, CHAOS_TENANTS } from './chaos-workload.ts';
import { startWorkerdDocuments, type WorkerdDocuments } from './workerd-documents.ts';

/** The bot credential each tenant's REST calls carry to the fake Discord (local only). */
export function chaosBotCredential(tenant: string): string {
  return `chaos-${tenant}-bot`;
}

export interface ChaosServers {
  mongo: MongoWireServer;
  /** One client for the whole run, with short timeouts so a stopped server fails calls quickly. */
  mongoClient: MongoClient;
  chroma: ChromaServer;
  fake: FakeDiscord;
  origin: LocalServer;
  /** What the origin serves (filled in once the workload is built). */
  files: Map<string, Uint8Array>;
  workerd: WorkerdDocuments;
  stop(): Promise<void>;
}

/** Until the run's own client reaches the server again (after a restart), bounded. */
export async function mongoReachable(client: MongoClient, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.db('admin').command({ ping: 1 });
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
  }
}

export async function startChaosServers(o: { backfillMessages: number; log: (line: string) => void }) {
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const files = new Map<string, Uint8Array>();
    const origin = await startNodeServer((req, res) => {
      const body = files.get(new URL(req.url ?? '/', 'http://x').pathname);
      res.writeHead(body ? 200 : 404, { 'content-type': 'text/plain' });
      res.end(body ? Buffer.from(body) : 'not found');
    });
    cleanups.push(() => origin.close());
    const fake = await startFakeDiscord({
      tokens: Object.fromEntries(
        CHAOS_TENANTS.map((t) => [
          chaosBotCredential(t.tenant),
          { botUserId: t.bot_user_id, applicationId: `9200000000000000${CHAOS_TENANTS.indexOf(t) + 10}` },
        ]),
      ),
      seed: 'chaos',
      // Rate limits have their own tests; here they would only stretch the run.
      rateLimits: { routes: { list_messages: { limit: 10_000, windowMs: 1_000 } } },
    });
    cleanups.push(() => fake.stop());
    fake.state.seedChannel(BACKFILL_CHANNEL, {
      guildId: CHAOS_TENANTS[0]!.guild,
      messages: o.backfillMessages,
    });
    // Started together (each takes a second or two); whatever did start is stopped if one fails.
    const started = await Promise.allSettled([
      startMongoWireServer({ log: o.log, externalUri: null }),
      startChromaServer({ log: o.log }),
      startWorkerdDocuments(),
    ]);
    for (const s of started) if (s.status === 'fulfilled') cleanups.push(() => s.value.stop());
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [mongo, chroma, workerd] = started.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [
      MongoWireServer,
      ChromaServer,
      WorkerdDocuments,
    ];
    o.log(`[chaos] workerd TenantDocuments at ${workerd.url}`);
    const mongoClient = new MongoClient(mongo.uri, {
      ignoreUndefined: true,
      serverSelectionTimeoutMS: 250,
      connectTimeoutMS: 1_000,
      heartbeatFrequencyMS: 500,
    });
    cleanups.push(() => mongoClient.close());
    return { mongo, mongoClient, chroma, fake, origin, files, workerd, stop } satisfies ChaosServers;
  } catch (e) {
    await stop();
    throw e;
  }
}
