/**
 * One chaos run: the real text agents, backfill and discord-rest on an `InMemoryBroker` (fake clock,
 * seeded shuffle and latency) through `InMemoryAgentHost`, against real stores — MongoDB-wire for one
 * tenant, TenantDocuments in workerd for the other, Chroma for both — and the fake Discord. The driver
 * moves the bus one delivery round at a time and injects the seed's faults between and inside rounds,
 * then audits every store against the workload. Deterministic for a seed: every delivery runs in order.
 */
import type { Envelope } from '@promethean/schemas/envelope';
import { BackfillEnqueue } from '@promethean/schemas/jobs/backfill-messages';
import type { Agent } from '@promethean/shared/agent/agent-definition';
import { createEnvelope, sequentialIds } from '@promethean/shared/agent/envelope-factory';
import type { LogRecord } from '@promethean/shared/agent/telemetry';
import { InjectedFaultError } from '@promethean/shared/broker/broker-errors';
import { InMemoryBroker } from '@promethean/shared/broker/in-memory-broker';
import { seededRandom } from '@promethean/shared/broker/seeded-random';
import { ChromaVectorStore } from '@promethean/shared/effects/chroma-vector-store';
import type { EffectPorts } from '@promethean/shared/effects/effect-ports';
import { MemoryBlobStore } from '@promethean/shared/effects/memory-blob-store';
import { MemoryLeases } from '@promethean/shared/effects/memory-leases';
import { MongoDocumentStore } from '@promethean/shared/effects/mongo-document-store';
import { DirectEgress } from '@promethean/shared/net/direct-egress';
import { ssrfPolicy } from '@promethean/shared/net/ssrf-policy';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { FakeClock } from '@promethean/shared/testing/fake-clock';
import { discordRest } from '../../durable-objects/discord-rest/handler.ts';
import { attachmentEmbedder } from '../../functions/agents/attachment-embedder/handler.ts';
import { attachmentIndexer } from '../../functions/agents/attachment-indexer/handler.ts';
import { backfill } from '../../functions/agents/backfill/handler.ts';
import { cephalon } from '../../functions/agents/cephalon/handler.ts';
import { messageEmbedder } from '../../functions/agents/message-embedder/handler.ts';
import { messageIndexer } from '../../functions/agents/message-indexer/handler.ts';
import { OfflineModelPort } from '../../functions/models/offline-model-port.ts';
import { InMemoryAgentHost } from '../pipeline/in-memory-agent-host.ts';
import { type ChaosAccessPort, chaosAccessPort } from './chaos-access-port.ts';
import { auditStores, type TenantUnderAudit } from './chaos-audit.ts';
import { DEFAULT_FAULT_RATES, FaultInjector, type FaultRates } from './chaos-faults.ts';
import { type ChaosReport, chaosReport } from './chaos-report.ts';
import { type ChaosServers, chaosBotCredential, mongoReachable, startChaosServers } from './chaos-servers.ts';
import {
  BACKFILL_CHANNEL,
  buildWorkload,
  CHAOS_TENANTS,
  type ChaosTenant,
  type Workload,
} from './chaos-workload.ts';

export interface ChaosOptions {
  seed: number;
  /** Live messages (creates; edits and deletes come on top). */
  messages: number;
  /** Messages of history the backfill job reads from the fake Discord. */
  backfill: number;
  waves: number;
  rates: FaultRates;
  /** The run stops (and reports `completed: false`) after this long. */
  timeLimitMs: number;
  log: (line: string) => void;
}

export const DEFAULT_CHAOS_OPTIONS: Omit<ChaosOptions, 'log'> = {
  seed: 1,
  messages: 240,
  backfill: 300,
  waves: 8,
  rates: DEFAULT_FAULT_RATES,
  timeLimitMs: 150_000,
};

/** Broker time per delivery round, and rounds between two waves of input. */
const STEP_MS = 10;
const WAVE_GAP = 6;
const BACKFILL_PAGE_SIZE = 50;
/** Rounds a stopped server stays down. */
const OUTAGE_ROUNDS = 2;

const AGENTS: readonly Agent[] = [
  messageIndexer,
  messageEmbedder,
  attachmentIndexer,
  attachmentEmbedder,
  cephalon,
  backfill,
  discordRest,
];

function registryYaml(): string {
  const tenants = CHAOS_TENANTS.map(
    (t) => `      ${t.tenant}:
        settings: { bot_user_id: '${t.bot_user_id}' }
        storage: { documents: ${t.documents === 'mongodb' ? 'mongodb' : 'sqlite'}, vectors: chroma }`,
  ).join('\n');
  return `version: 1\nproviders:\n  discord:\n    adapter: discord\n    tenants:\n${tenants}\n`;
}

/** Server events by round, from the seed: one MongoDB and one Chroma outage, and periodic evictions. */
function serverSchedule(seed: number, waves: number) {
  const r = seededRandom((seed * 40503 + 17) >>> 0);
  const mongoDown = WAVE_GAP * Math.min(1, waves - 1) + r.int(1, 3);
  const chromaDown = WAVE_GAP * Math.min(3, waves - 1) + r.int(1, 3);
  const evictEvery = r.int(4, 8);
  const lastInput = WAVE_GAP * (waves - 1);
  return {
    mongoDown,
    mongoUp: mongoDown + OUTAGE_ROUNDS,
    chromaDown,
    chromaUp: chromaDown + OUTAGE_ROUNDS,
    evictAt: (round: number) => round > 0 && round % evictEvery === 0 && round <= lastInput + 40,
    settledBy: Math.max(mongoDown, chromaDown) + OUTAGE_ROUNDS,
  };
}

interface TenantRig {
  tenant: ChaosTenant;
  ports: EffectPorts;
  blobs: MemoryBlobStore;
  access: ChaosAccessPort;
}

function tenantRigs(servers: ChaosServers, clock: FakeClock): Map<string, TenantRig> {
  const models = new OfflineModelPort();
  const egress = new DirectEgress({
    fetch: (input, init) => fetch(input, init),
    policy: ssrfPolicy({ trusted_origins: [servers.origin.origin] }),
  });
  return new Map(
    CHAOS_TENANTS.map((t) => {
      const scope = { provider: t.provider, tenant: t.tenant };
      const blobs = new MemoryBlobStore();
      const access = chaosAccessPort(servers.fake.restUrl, chaosBotCredential(t.tenant));
      const documents =
        t.documents === 'mongodb'
          ? new MongoDocumentStore(servers.mongoClient, scope, { target: 'test' })
          : servers.workerd.store(scope);
      const ports: EffectPorts = {
        documents,
        vectors: new ChromaVectorStore({ url: servers.chroma.url, ...scope, target: 'test' }),
        blobs,
        models,
        egress,
        leases: new MemoryLeases(clock),
        provider: access,
      };
      return [t.tenant, { tenant: t, ports, blobs, access }];
    }),
  );
}

function backfillStart(clock: FakeClock): Envelope {
  const duck = CHAOS_TENANTS[0]!;
  return createEnvelope(
    BackfillEnqueue,
    {
      job_id: 'chaos-backfill',
      channel: { urn: `urn:discord:channel:duck:${BACKFILL_CHANNEL}`, foreign_id: BACKFILL_CHANNEL },
      page_size: BACKFILL_PAGE_SIZE,
      space_id: duck.guild,
    },
    { src: 'admin', provider: 'discord', tenant: 'duck', id: 'backfill:chaos-backfill:enqueue:0', clock },
  ) as Envelope;
}

/** Stops and restarts the servers and evicts the Durable Object when the schedule says so. */
async function serverFaults(
  round: number,
  schedule: ReturnType<typeof serverSchedule>,
  servers: ChaosServers,
  faults: FaultInjector,
  workPending: boolean,
): Promise<void> {
  if (round === schedule.mongoDown) await servers.mongo.kill();
  if (round === schedule.mongoUp) {
    await servers.mongo.restart();
    await mongoReachable(servers.mongoClient);
    faults.counts.mongo_restarts++;
  }
  if (round === schedule.chromaDown) await servers.chroma.kill();
  if (round === schedule.chromaUp) {
    await servers.chroma.restart();
    faults.counts.chroma_restarts++;
  }
  if (schedule.evictAt(round) && workPending) {
    const goose = CHAOS_TENANTS.find((t) => t.documents === 'workerd')!;
    await servers.workerd.evict({ provider: goose.provider, tenant: goose.tenant });
    faults.counts.durable_object_evictions++;
  }
}

/** Publishes like the gateway and the queue producers do: a refused publish is sent again. */
async function publishUntilAccepted(broker: InMemoryBroker, envelope: Envelope): Promise<number> {
  for (let refused = 0; ; refused++) {
    try {
      await broker.publish(envelope);
      return refused;
    } catch (e) {
      if (!(e instanceof InjectedFaultError) || refused > 50) throw e;
    }
  }
}

/** Runs the rounds until the bus is empty and every scheduled fault has happened. */
async function drive(o: ChaosOptions, servers: ChaosServers, workload: Workload) {
  const clock = new FakeClock(Date.UTC(2026, 10, 20, 12, 0, 0));
  const broker = new InMemoryBroker({
    clock,
    seed: o.seed,
    shuffle: { seed: o.seed ^ 0x51f7 },
    latencyMs: [0, 40],
    maxRedeliveries: 60,
    bufferSize: 100_000,
    eventLogLimit: 5_000_000,
  });
  const faults = new FaultInjector(o.seed, o.rates, broker);
  const rigs = tenantRigs(servers, clock);
  const problems: LogRecord[] = [];
  const host = new InMemoryAgentHost({
    broker,
    agents: AGENTS,
    deps: {
      registry: ProviderRegistry.fromYaml(registryYaml()),
      ports: (view) => faults.wrapPorts(rigs.get(view.tenant)?.ports ?? {}),
      sink: { write: (r) => void (r.level === 'error' && problems.length < 50 && problems.push(r)) },
      clock,
      ids: sequentialIds('chaos'),
      runtimeIds: sequentialIds('rt'),
    },
    beforeInvoke: faults.beforeInvoke,
    beforePublish: faults.beforePublish,
  }).start();
  const schedule = serverSchedule(o.seed, workload.waves.length);
  const started = Date.now();
  let round = 0;
  let publishRetries = 0;
  let completed = true;
  for (; ; round++) {
    faults.round = round;
    if (Date.now() - started > o.timeLimitMs) {
      completed = false;
      break;
    }
    await serverFaults(round, schedule, servers, faults, broker.pending() > 0);
    const wave = round / WAVE_GAP;
    if (Number.isInteger(wave) && wave < workload.waves.length) {
      const inputs = [...(wave === 0 ? [backfillStart(clock)] : []), ...workload.waves[wave]!];
      for (const envelope of inputs) {
        publishRetries += await publishUntilAccepted(broker, envelope);
        faults.maybeDuplicate(envelope);
      }
      if (round % (WAVE_GAP * 2) === 0)
        o.log(
          `[chaos] round ${round}: wave ${wave + 1}/${workload.waves.length} published, ${broker.pending()} pending`,
        );
    }
    for (const copy of faults.duplicatesDue(round)) {
      publishRetries += await publishUntilAccepted(broker, copy);
      faults.counts.duplicate_deliveries++;
    }
    await broker.tick();
    if (broker.state === 'disconnected') broker.reconnect();
    clock.advance(STEP_MS);
    const inputsDone = round >= WAVE_GAP * (workload.waves.length - 1);
    if (
      inputsDone &&
      round >= schedule.settledBy &&
      faults.duplicatesPending() === 0 &&
      broker.pending() === 0
    )
      break;
  }
  return { broker, host, faults, rigs, rounds: round + 1, publishRetries, completed, problems };
}

/** Runs everything, audits, stops every server it started (also on failure) and returns the report. */
export async function runChaos(o: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  o.log(
    `[chaos] seed ${o.seed}: ${o.messages} live messages, ${o.backfill} to backfill, starting servers...`,
  );
  const servers = await startChaosServers({ backfillMessages: o.backfill, log: o.log });
  try {
    const workload = buildWorkload(o.seed, o.messages, o.waves, servers.origin.origin);
    for (const [path, bytes] of workload.files) servers.files.set(path, bytes);
    const run = await drive(o, servers, workload);
    o.log(
      `[chaos] ${run.rounds} rounds in ${((Date.now() - started) / 1000).toFixed(1)} s; auditing the stores...`,
    );
    const history = new Map(
      (servers.fake.state.channels.get(BACKFILL_CHANNEL)?.messages ?? []).map((m) => [m.id, m.content]),
    );
    const tenants: TenantUnderAudit[] = [...run.rigs.values()].map((rig) => ({
      tenant: rig.tenant,
      documents: rig.ports.documents!,
      blobs: rig.blobs,
      posts: rig.access.posts,
      live: workload.expected.filter((m) => m.tenant === rig.tenant.tenant),
      history: rig.tenant.tenant === 'duck' ? history : new Map(),
    }));
    const audit = await auditStores(servers.chroma.url, tenants, run.broker.eventLog());
    return chaosReport({
      options: o,
      workload,
      run,
      audit,
      backfilled: history.size,
      durationMs: Date.now() - started,
    });
  } finally {
    await servers.stop();
  }
}
