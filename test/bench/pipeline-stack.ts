/**
 * The whole system as benchmarks (and the chaos suite) run it: both Workers under one `wrangler dev`
 * (real workerd, local queues, Durable Objects), the fake Discord, a real Chroma server, the model
 * double, and a MongoDB-wire server when asked for. Everything binds 127.0.0.1 and `stop()` ends it all.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEV_FAKE_BOTS,
  DEV_FAKE_CREDENTIALS,
  fakeDiscordVars,
  realDiscordConfigured,
  removeFakeDevVars,
  removeStaleFakeDevVars,
  writeFakeDevVars,
} from '../../durable-objects/dev/dev-discord.ts';
import { DEVELOPMENT_VARS } from '../../durable-objects/dev/development-env.ts';
import { waitForHttp } from '../../scripts/dev/managed-process.ts';
import { startMiniflareWorkers } from '../../scripts/dev/miniflare-workers.ts';
import { startWranglerDev } from '../../scripts/dev/wrangler-dev.ts';
import {
  type FakeDiscord,
  type FakeDiscordOptions,
  startFakeDiscord,
} from '../fake-discord/fake-discord-rest.ts';
import { type ModelDouble, startModelDouble } from '../model-double/model-double.ts';
import { type ChromaServer, startChromaServer } from '../servers/chroma-server.ts';
import { freePort } from '../servers/free-port.ts';
import { type MongoWireServer, startMongoWireServer } from '../servers/mongo-wire-server.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** The bot credential the fake Discord accepts for the `duck` tenant in these runs (local only). */
export const STACK_BOT = { token: DEV_FAKE_CREDENTIALS.duck, ...DEV_FAKE_BOTS.duck };
export const STACK_ADMIN_TOKEN = 'bench-local-admin-token-0123456789abcdef';

export interface PipelineStackOptions {
  documents: 'sqlite' | 'mongodb';
  /** Per-agent setting overrides (the AGENT_SETTINGS var). */
  agentSettings?: Record<string, Record<string, unknown>>;
  fakeDiscord?: Partial<FakeDiscordOptions>;
  /** Reuse servers across runs (a benchmark comparing stores keeps one Chroma and one double). */
  shared?: { chroma?: ChromaServer; models?: ModelDouble; mongo?: MongoWireServer };
  /** Extra variables for the access Worker (its generated .dev.vars), e.g. VOICE_HOST_SECRET. */
  accessVars?: Record<string, string>;
  /** Extra variables for the functions Worker, e.g. VOICE_INGEST_SECRET. */
  functionsVars?: Record<string, string>;
  log?: (line: string) => void;
  /**
   * How the two Workers run: one `wrangler dev` child process, or Miniflare's API in this process (bundled
   * by `wrangler deploy --dry-run`, vars passed directly, no generated .dev.vars). Default: STACK_LAUNCHER,
   * else DEFAULT_LAUNCHER.
   */
  launcher?: StackLauncher;
}

/**
 * `wrangler-dev-split`: one `wrangler dev` per Worker, joined by a dev registry private to the run (service
 * binding, the access Worker's OpsLedger binding, and queues produced in one session and consumed in the other).
 */
export type StackLauncher = 'wrangler-dev' | 'wrangler-dev-split' | 'miniflare';
const LAUNCHERS: readonly StackLauncher[] = ['wrangler-dev', 'wrangler-dev-split', 'miniflare'];
/** The faster of the two for these runs (docs/testing/miniflare.md has the figures). */
export const DEFAULT_LAUNCHER: StackLauncher = 'wrangler-dev';

function chosenLauncher(o: PipelineStackOptions): StackLauncher {
  const fromEnv = process.env.STACK_LAUNCHER;
  if (o.launcher) return o.launcher;
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_LAUNCHER;
  const known = LAUNCHERS.find((l) => l === fromEnv);
  if (known) return known;
  throw new Error(`STACK_LAUNCHER must be one of ${LAUNCHERS.join(', ')}, not ${fromEnv}`);
}

export interface PipelineStack {
  url: string;
  /** How the Workers run (benchmarks print it beside their figures). */
  launcher: StackLauncher;
  fake: FakeDiscord;
  chroma: ChromaServer;
  models: ModelDouble;
  mongo?: MongoWireServer;
  /** An authenticated request to the functions Worker's admin API. */
  admin(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

/** Starts everything; on a failure part-way, stops what already started before rethrowing. */
export async function startPipelineStack(o: PipelineStackOptions): Promise<PipelineStack> {
  const log = o.log ?? ((line: string) => console.error(line));
  const cleanups: Array<() => Promise<void>> = [];
  try {
    const fake = await startFakeDiscord({
      tokens: {
        [STACK_BOT.token]: { botUserId: STACK_BOT.botUserId, applicationId: STACK_BOT.applicationId },
      },
      seed: 'pipeline-stack',
      ...o.fakeDiscord,
    });
    cleanups.push(() => fake.stop());
    const chroma = o.shared?.chroma ?? (await startChromaServer({ log }));
    if (!o.shared?.chroma) cleanups.push(() => chroma.stop());
    const models = o.shared?.models ?? (await startModelDouble({}));
    if (!o.shared?.models) cleanups.push(() => models.stop());
    let mongo = o.shared?.mongo;
    if (o.documents === 'mongodb' && !mongo) {
      mongo = await startMongoWireServer({ log });
      const started = mongo;
      cleanups.push(() => started.stop());
    }
    // A run killed outright (SIGKILL) left its generated file: its writer is gone, so it goes.
    removeStaleFakeDevVars();
    if (realDiscordConfigured()) {
      throw new Error(
        'durable-objects/.dev.vars holds your own Discord credentials; move it aside to run against the fake Discord',
      );
    }
    // Per-message info logs cross from workerd to the launcher's console; runs keep warnings unless asked.
    const logLevel = process.env.STACK_LOGS === '1' ? 'info' : 'warn';
    // STACK_LOGS=1 shows the Workers' own output, for finding out why a run failed.
    const echo = process.env.STACK_LOGS === '1' || process.env.STACK_LOGS === 'echo';
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const functionsVars: Record<string, string> = {
      ...DEVELOPMENT_VARS,
      ADMIN_TOKEN: STACK_ADMIN_TOKEN,
      LOG_LEVEL: logLevel,
      CHROMA_URL: chroma.url,
      MODEL_BASE_URL: models.baseUrl,
      MODEL_API_KEY: 'model-double-key',
      ...(process.env.EMBED_DIMENSIONS && { EMBED_DIMENSIONS: process.env.EMBED_DIMENSIONS }),
      DOCUMENT_STORE_OVERRIDE: o.documents,
      ...(mongo && { MONGODB_URI: mongo.uri }),
      AGENT_SETTINGS: JSON.stringify(o.agentSettings ?? {}),
      // The voice host fetches playback chunks from this Worker's own URL.
      VOICE_PLAYBACK_BASE_URL: url,
      VOICE_PLAYBACK_SECRET: 'bench-local-playback-secret-0123456789',
      ...o.functionsVars,
    };
    const launcher = chosenLauncher(o);
    log(`[stack] starting both Workers under ${launcher} at ${url} (documents: ${o.documents})...`);
    // As under wrangler dev, where the env file reaches both Workers and .dev.vars the access one.
    const accessVars: Record<string, string> = {
      ...functionsVars,
      ...DEVELOPMENT_VARS,
      ...fakeDiscordVars(fake.restUrl),
      LOG_LEVEL: logLevel,
      ...o.accessVars,
    };
    if (launcher === 'miniflare') {
      stopOnSignals(() => runCleanups(cleanups));
      const workers = await startMiniflareWorkers({
        root: ROOT,
        port,
        echo,
        workers: [
          { config: 'wrangler.toml', vars: functionsVars },
          { config: 'durable-objects/wrangler.toml', vars: accessVars },
        ],
      });
      cleanups.push(() => workers.stop());
    } else if (launcher === 'wrangler-dev-split') {
      await startUnderSplitWranglerDev(cleanups, port, functionsVars, accessVars, echo);
    } else {
      await startUnderWranglerDev(cleanups, fake, port, functionsVars, logLevel, echo, o.accessVars);
    }
    return {
      url,
      launcher,
      fake,
      chroma,
      models,
      ...(mongo && { mongo }),
      admin: (path, init = {}) =>
        fetch(`${url}${path}`, {
          ...init,
          headers: {
            authorization: `Bearer ${STACK_ADMIN_TOKEN}`,
            'content-type': 'application/json',
            ...init.headers,
          },
        }),
      stop: () => runCleanups(cleanups),
    };
  } catch (e) {
    await runCleanups(cleanups);
    throw e;
  }
}

/**
 * wrangler 4.156's `wrangler dev` attaches Miniflare's local trace collector to every Worker by default
 * (X_LOCAL_OBSERVABILITY: a streaming tail worker plus user spans, in the Workers' own workerd). It
 * doubled the functions Worker's CPU per crawled page (bench:crawl, Dec 3: 113–142 ms with it, 59–66 ms
 * without) and a deployment does not run it, so the stack leaves it off; STACK_LOCAL_OBSERVABILITY=1 keeps it
 * (for the local explorer's traces).
 */
export function wranglerDevStackEnv(): Record<string, string> {
  return process.env.STACK_LOCAL_OBSERVABILITY === '1' ? {} : { X_LOCAL_OBSERVABILITY: 'false' };
}

/** One `wrangler dev` for both Workers: the access Worker's vars go through a generated .dev.vars. */
async function startUnderWranglerDev(
  cleanups: Array<() => Promise<void>>,
  fake: FakeDiscord,
  port: number,
  vars: Record<string, string>,
  logLevel: string,
  echo: boolean,
  accessVars: Record<string, string> | undefined,
): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'pipeline-stack-'));
  cleanups.push(async () => rmSync(stateDir, { recursive: true, force: true }));
  // wrangler dev gives --var and --env-file only to the first Worker: the access Worker reads its
  // generated durable-objects/.dev.vars (the same file `npm run dev` manages; never the user's own).
  writeFakeDevVars(fake.restUrl, { LOG_LEVEL: logLevel, ...accessVars });
  cleanups.push(async () => removeFakeDevVars());
  // Also on any exit that skips the cleanups (an uncaught error, process.exit): the access Worker's tests
  // read this file, and must not get this run's variables (e.g. GATEWAY_PUBLISH=full).
  process.once('exit', () => removeFakeDevVars());
  const envFile = join(stateDir, 'stack.env');
  writeFileSync(envFile, envFileText(vars));
  const workers = startWranglerDev({
    root: ROOT,
    configs: ['wrangler.toml', 'durable-objects/wrangler.toml'],
    port,
    stateDir: join(stateDir, 'state'),
    envFile,
    echo,
    env: wranglerDevStackEnv(),
  });
  cleanups.push(() => workers.stop());
  stopOnSignals(() => runCleanups(cleanups));
  await waitForHttp(`http://127.0.0.1:${port}/health`, workers, 180_000);
}

/**
 * One `wrangler dev` per Worker, so each Worker's workerd has its own process. They find each other through
 * a dev registry in the run's own folder: the machine-wide one would join them to other people's sessions of
 * the same Workers. Each session is its Worker's first config, so each takes its own env file (no .dev.vars).
 */
async function startUnderSplitWranglerDev(
  cleanups: Array<() => Promise<void>>,
  port: number,
  functionsVars: Record<string, string>,
  accessVars: Record<string, string>,
  echo: boolean,
): Promise<void> {
  const stateDir = mkdtempSync(join(tmpdir(), 'pipeline-stack-split-'));
  cleanups.push(async () => rmSync(stateDir, { recursive: true, force: true }));
  const registry = join(stateDir, 'registry');
  // wrangler reads the first, Miniflare the second (which wins over the path wrangler passes it).
  const env = {
    WRANGLER_REGISTRY_PATH: registry,
    CLOUDFLARE_DEV_REGISTRY_PATH: registry,
    ...wranglerDevStackEnv(),
  };
  stopOnSignals(() => runCleanups(cleanups));
  const session = (
    name: 'functions' | 'access',
    config: string,
    sessionPort: number,
    vars: Record<string, string>,
  ) => {
    const envFile = join(stateDir, `${name}.env`);
    writeFileSync(envFile, envFileText(vars));
    const worker = startWranglerDev({
      root: ROOT,
      configs: [config],
      port: sessionPort,
      stateDir: join(stateDir, `state-${name}`),
      envFile,
      echo,
      // Only the functions session may take a fixed inspector port (a profiler attaches to it).
      ...(name === 'access' && { inspectorPort: '0' }),
      env,
    });
    cleanups.push(() => worker.stop());
    return worker;
  };
  // A queue message whose consumer's session is not in the producer's registry is dropped by the producer's
  // broker, so the sessions start one after the other: the access session reads the functions Worker's entry
  // when it starts, and the functions session must see the access Worker's before the run sends anything.
  const functions = session('functions', 'wrangler.toml', port, functionsVars);
  await waitForHttp(`http://127.0.0.1:${port}/health`, functions, 180_000);
  await waitFor(
    () => existsSync(join(registry, 'promethean-functions')),
    functions,
    'its dev registry entry',
  );
  const accessPort = await freePort();
  const access = session('access', 'durable-objects/wrangler.toml', accessPort, accessVars);
  await waitForHttp(`http://127.0.0.1:${accessPort}/health`, access, 180_000);
  // The status snapshot calls the access Worker over the service binding; null until the registry has it.
  const reachesAccess = () =>
    fetch(`http://127.0.0.1:${port}/admin/status`, {
      headers: { authorization: `Bearer ${STACK_ADMIN_TOKEN}` },
    })
      .then(async (r) => r.ok && ((await r.json()) as { access?: unknown }).access != null)
      .catch(() => false);
  await waitFor(reachesAccess, functions, 'the access Worker through the dev registry');
}

/** Polls `ready` every 250 ms for up to 60 s while `owner` runs. */
async function waitFor(
  ready: () => boolean | Promise<boolean>,
  owner: ReturnType<typeof startWranglerDev>,
  what: string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (!owner.isRunning())
      throw new Error(`${owner.name} exited before ${what}:\n${owner.output.slice(-3000)}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${owner.name}: no ${what} within 60 s:\n${owner.output.slice(-3000)}`);
}

function envFileText(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => `${k}=${dotenvValue(v)}`)
    .join('\n');
}

/** dotenv keeps single-quoted values literally (double quotes would keep JSON's backslashes). */
function dotenvValue(value: string): string {
  if (value.includes("'") || value.includes('\n')) throw new Error(`cannot write ${value} to an env file`);
  return `'${value}'`;
}

/** Ctrl-C or a `timeout` must not leave wrangler's workerd children running on their own. */
function stopOnSignals(stop: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`[stack] ${signal}: stopping everything...`);
      void stop().finally(() => process.exit(130));
    });
  }
}

async function runCleanups(cleanups: Array<() => Promise<void>>): Promise<void> {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups.length = 0;
}
