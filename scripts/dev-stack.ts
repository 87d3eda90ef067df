/**
 * `npm run dev`: the whole system on this machine with no credentials — both Workers under one
 * `wrangler dev` session (queues, Durable Objects, R2 simulated locally), a local Chroma server, the
 * embedded document store, the fake Discord (unless durable-objects/.dev.vars holds a real bot
 * credential) and the echo provider, with interaction signing keys and an ADMIN_TOKEN made on first
 * run. Prints what runs where; Ctrl-C stops everything.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  missingDevVars,
  realDiscordConfigured,
  removeFakeDevVars,
  writeFakeDevVars,
} from '../durable-objects/dev/dev-discord.ts';
import { ensureDevelopmentEnv } from '../durable-objects/dev/development-env.ts';
import { type DevChroma, startDevChroma } from './dev/chroma-dev.ts';
import { ensureDevKeys } from './dev/dev-keys.ts';
import { interactionTenants, publicKeyBindings } from './dev/interaction-key-bindings.ts';
import { ManagedProcess, waitForHttp } from './dev/managed-process.ts';
import { startWranglerDev } from './dev/wrangler-dev.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PROMETHEAN_DEV_PORT ?? '8787' },
    'state-dir': { type: 'string', default: join(root, '.wrangler', 'dev-state') },
    quiet: { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
  console.error(`--port must be a TCP port number, got "${values.port}"`);
  process.exit(2);
}

const stateDir = values['state-dir']!;
mkdirSync(stateDir, { recursive: true });
const tsxCli = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const base = `http://127.0.0.1:${port}`;

/** Starts the fake Discord unless .dev.vars holds a real bot credential; answers its URLs. */
async function startDiscord(): Promise<{
  process?: ManagedProcess;
  urls?: { restUrl: string; gatewayUrl: string; voiceCaPath?: string };
}> {
  if (realDiscordConfigured()) return {};
  const fake = new ManagedProcess({
    name: 'fake-discord',
    command: process.execPath,
    args: [tsxCli, join(root, 'test', 'fake-discord', 'dev-entry.ts'), '0'],
    cwd: root,
    exitWithParent: true,
  });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`fake Discord did not start:\n${fake.output}`)), 30_000);
    const poll = setInterval(() => {
      const first = fake.output.split('\n').find((l) => l.startsWith('{'));
      if (first) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve(first);
      }
    }, 50);
  });
  return {
    process: fake,
    urls: JSON.parse(line) as { restUrl: string; gatewayUrl: string; voiceCaPath?: string },
  };
}

/** A model key in the functions Worker's own .dev.vars switches the models from offline to real. */
function modelsLine(): string {
  const devVars = join(root, '.dev.vars');
  const text = existsSync(devVars) ? readFileSync(devVars, 'utf8') : '';
  return /^\s*MODEL_API_KEY\s*=\s*\S+/m.test(text)
    ? 'models             from MODEL_API_KEY / MODEL_BASE_URL in .dev.vars'
    : 'models             offline (deterministic, and every answer says so): set MODEL_API_KEY in .dev.vars for real ones';
}

let stopping: Promise<never> | undefined;
let chroma: DevChroma | undefined;
let discord: Awaited<ReturnType<typeof startDiscord>> = {};
let workers: ManagedProcess | undefined;

/**
 * Stops every child, all at once, and exits once they are gone. A stop signal can arrive more than once
 * (the terminal signals the whole group, a wrapper such as the tsx CLI relays it again, Ctrl-C pressed
 * twice), so a later one joins the stop under way instead of exiting before the children (in process
 * groups of their own, which the terminal's signal does not reach) have stopped.
 */
function stopAll(code: number): Promise<never> {
  stopping ??= (async () => {
    console.log('\nstopping the dev stack...');
    await Promise.allSettled([workers?.stop(), discord.process?.stop(), chroma?.process.stop()]);
    removeFakeDevVars();
    console.log('dev stack stopped');
    process.exit(code);
  })();
  return stopping;
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  const real = realDiscordConfigured();
  // Echo tenants always get local keys; Discord tenants only when the fake Discord stands in for Discord.
  const keyed = interactionTenants(real ? ['echo'] : ['echo', 'discord']);
  const keys = await ensureDevKeys(stateDir, keyed);
  const publicKeys = publicKeyBindings(keys, Object.keys(keyed));
  chroma = await startDevChroma(stateDir);
  discord = await startDiscord();
  const voiceSecret = keys.voice_host_secret ?? '';
  if (discord.urls) {
    writeFakeDevVars(discord.urls.restUrl, {
      ...publicKeys,
      VOICE_HOST_SECRET: voiceSecret,
    });
  } else {
    if (ensureDevelopmentEnv()) {
      console.log(
        'added PROMETHEAN_ENV="development" to durable-objects/.dev.vars (its [vars] are production values)',
      );
    }
    const missing = missingDevVars(Object.keys(publicKeyBindings(keys, ['echo'])));
    if (missing.length > 0) {
      console.warn(
        `durable-objects/.dev.vars is yours (real Discord), so the echo demo's key is not in it; add\n${missing
          .map((name) => `  ${name}=${publicKeys[name]}`)
          .join('\n')}\nto use npm run demo.`,
      );
    }
  }
  workers = startWranglerDev({
    root,
    configs: ['wrangler.toml', 'durable-objects/wrangler.toml'],
    port,
    stateDir,
    // --var reaches only the first config's Worker: the functions Worker, which holds no provider secret.
    vars: {
      ADMIN_TOKEN: keys.admin_token,
      CHROMA_URL: chroma.url,
      // The voice host's secret as this Worker knows it, and where the host fetches playback chunks.
      VOICE_INGEST_SECRET: voiceSecret,
      // Signs playback chunk URLs for the host; short-lived URLs, so a fresh one per run is enough.
      VOICE_PLAYBACK_SECRET: randomBytes(24).toString('base64url'),
      VOICE_PLAYBACK_BASE_URL: base,
    },
    echo: !values.quiet,
  });
  console.log(
    `starting promethean-functions + promethean-access under wrangler dev (state in ${stateDir})...`,
  );
  await waitForHttp(`${base}/health`, workers, 120_000);
  const tenants = Object.entries(keyed).flatMap(([p, ts]) => ts.map((t) => `${p}/${t}`));
  console.log(
    [
      '',
      'Promethean Edge dev stack is up:',
      `  functions Worker   ${base}  (GET /health)`,
      `  interactions       POST ${base}/interactions/<provider>/<tenant>  signed (Ed25519): ${tenants.join(', ')}`,
      '  access Worker      bound to the functions Worker (echo provider, Durable Objects, interaction adapters)',
      `  Chroma             ${chroma.url}  (vectors; data in ${chroma.dataDir})`,
      '  documents          embedded SQLite (TenantDocuments Durable Objects)',
      `  ${modelsLine()}`,
      `  echo input         POST ${base}/dev/echo/demo/messages  {"messages":[{"author":{"id":"ada","name":"Ada"},"content":"hi"}]}`,
      `  echo transcript    GET  ${base}/dev/echo/demo/transcript`,
      discord.urls
        ? `  Discord            fake Discord at ${discord.urls.restUrl} (no token in durable-objects/.dev.vars)`
        : '  Discord            real Discord (credentials from durable-objects/.dev.vars)',
      `  Discord REST       POST ${base}/dev/discord/duck/messages  {"channel_id":"700000000000000001","content":"quack","idempotency_key":"k1"}`,
      `  Discord gateway    POST ${base}/dev/discord/duck/gateway/0/start`,
      `  admin token        ADMIN_TOKEN=${keys.admin_token}  (Authorization: Bearer …; npm run commands:register reads it)`,
      `  signing keys       ${join(stateDir, 'dev-keys.json')}  (echo${discord.urls ? ' and fake Discord' : ''} interaction keys)`,
      `  voice host         VOICE_HOST_SECRET=${voiceSecret} ACCESS_CONTROL_URL=${base.replace(/^http/, 'ws')}/voice-host/connect?tenant=duck \\`,
      `                     ACCESS_RELAY_URL=${base}/voice-host/relay SEGMENT_INGEST_URL=${base}/voice/segments \\`,
      `                     PLAYBACK_FETCH_ORIGINS=${base} CONTROL_PORT=8791 npm run voice-host   (docs/voice.md)`,
      ...(discord.urls?.voiceCaPath
        ? [
            `  fake voice server  its TLS test CA: add NODE_EXTRA_CA_CERTS=${discord.urls.voiceCaPath} to the voice host's line`,
          ]
        : []),
      `  state              ${stateDir}`,
      '  try                npm run demo',
      'Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  await stopAll(1);
}

void workers?.exited.then((code) => {
  if (!stopping) {
    console.error(`wrangler dev exited unexpectedly (code ${code})`);
    void stopAll(1);
  }
});
void chroma?.process.exited.then(({ code }) => {
  if (!stopping) {
    console.error(`Chroma exited unexpectedly (code ${code}):\n${chroma?.process.output() ?? ''}`);
    void stopAll(1);
  }
});
