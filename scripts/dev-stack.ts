/**
 * `npm run dev`: the whole system on this machine with no credentials — both Workers under one
 * `wrangler dev` session (queues, Durable Objects, R2 simulated locally), on embedded defaults.
 * Prints what runs where; Ctrl-C stops everything.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  realDiscordConfigured,
  removeFakeDevVars,
  writeFakeDevVars,
} from '../durable-objects/dev/dev-discord.ts';
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

/** Starts the fake Discord unless .dev.vars holds a real bot credential; answers its URLs. */
async function startDiscord(): Promise<{
  process?: ManagedProcess;
  urls?: { restUrl: string; gatewayUrl: string };
}> {
  if (realDiscordConfigured()) return {};
  const fake = new ManagedProcess({
    name: 'fake-discord',
    command: process.execPath,
    args: [tsxCli, join(root, 'test', 'fake-discord', 'dev-entry.ts'), '0'],
    cwd: root,
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
  return { process: fake, urls: JSON.parse(line) as { restUrl: string; gatewayUrl: string } };
}

const discord = await startDiscord();
if (discord.urls) writeFakeDevVars(discord.urls.restUrl);
const workers = startWranglerDev({
  root,
  configs: ['wrangler.toml', 'durable-objects/wrangler.toml'],
  port,
  stateDir,
  echo: !values.quiet,
});

let stopping = false;
async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log('\nstopping the dev stack...');
    await workers.stop();
    await discord.process?.stop();
    removeFakeDevVars();
    console.log('dev stack stopped');
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const base = `http://127.0.0.1:${port}`;
try {
  console.log(
    `starting promethean-functions + promethean-access under wrangler dev (state in ${stateDir})...`,
  );
  await waitForHttp(`${base}/health`, workers, 120_000);
} catch (e) {
  console.error(String(e));
  await stopAll(1);
}
console.log(
  [
    '',
    'Promethean Edge dev stack is up:',
    `  functions Worker   ${base}  (GET /health)`,
    '  access Worker      bound to the functions Worker (echo provider, Durable Objects)',
    `  echo input         POST ${base}/dev/echo/demo/messages  {"messages":[{"author":{"id":"ada","name":"Ada"},"content":"hi"}]}`,
    discord.urls
      ? `  Discord            fake Discord at ${discord.urls.restUrl} (no token in durable-objects/.dev.vars)`
      : '  Discord            real Discord (credentials from durable-objects/.dev.vars)',
    `  Discord REST       POST ${base}/dev/discord/duck/messages  {"channel_id":"700000000000000001","content":"quack","idempotency_key":"k1"}`,
    `  Discord gateway    POST ${base}/dev/discord/duck/gateway/0/start`,
    `  state              ${stateDir}`,
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'),
);
void workers.exited.then((code) => {
  if (!stopping) {
    console.error(`wrangler dev exited unexpectedly (code ${code})`);
    void stopAll(1);
  }
});
