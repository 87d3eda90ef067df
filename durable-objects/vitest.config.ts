/**
 * The access Worker's integration tests, inside workerd, against a fake Discord that a global setup
 * starts in Node on a port chosen here (the Worker's DISCORD_API_BASE must be known before it starts).
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineProject } from 'vitest/config';
import { generateInteractionKeys } from '../scripts/dev/interaction-signer.ts';
import { yamlText } from '../scripts/vite-yaml-text.ts';
import { FAKE_BOT_CREDENTIALS } from '../test/workers/access/fake-bot-credentials.ts';
import { opsLedgerStandIn } from '../test/workers/access/ops-ledger-stand-in.ts';
import { VOICE_HOST_TEST_SECRET } from '../test/workers/access/voice-host-test-secret.ts';
import { poolDependencyOptimizer } from '../test/workers/pool-node-compat.ts';
import { credentialBindings } from './dev/credential-bindings.ts';
import { removeStaleFakeDevVars } from './dev/dev-discord.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

// workerd reads durable-objects/.dev.vars: a benchmark killed outright must not hand these tests its variables.
removeStaleFakeDevVars();

const port = Number(process.env.PROMETHEAN_FAKE_DISCORD_PORT ?? (await freePort()));
process.env.PROMETHEAN_FAKE_DISCORD_PORT = String(port);

// Interaction signing keys made for this run: public keys become the tenants' bindings, private keys
// reach the tests through the global setup (test/workers/access/interaction-keys-setup.ts).
process.env.PROMETHEAN_TEST_INTERACTION_KEYS ??= JSON.stringify({
  duck: await generateInteractionKeys(),
  demo: await generateInteractionKeys(),
});
const interactionKeys = JSON.parse(process.env.PROMETHEAN_TEST_INTERACTION_KEYS) as Record<
  'duck' | 'demo',
  { public_key_hex: string }
>;

export default defineProject({
  plugins: [
    yamlText(),
    cloudflareTest({
      wrangler: { configPath: join(import.meta.dirname, 'wrangler.toml') },
      miniflare: {
        bindings: {
          // wrangler.toml holds production values; these tests use the /dev/* routes, as npm run dev does.
          PROMETHEAN_ENV: 'development',
          DISCORD_API_BASE: `http://127.0.0.1:${port}/api/v10`,
          VOICE_HOST_SECRET: VOICE_HOST_TEST_SECRET,
          ...credentialBindings({
            discord: {
              duck: { bot_token: FAKE_BOT_CREDENTIALS.duck, public_key: interactionKeys.duck.public_key_hex },
              goose: { bot_token: FAKE_BOT_CREDENTIALS.goose },
            },
            echo: { demo: { public_key: interactionKeys.demo.public_key_hex } },
          }),
        },
        // OPS_LEDGER is a cross-script binding to promethean-functions, which this project does not run.
        workers: [opsLedgerStandIn],
      },
    }),
  ],
  test: {
    name: 'access-worker',
    root: join(import.meta.dirname, '..'),
    include: ['test/workers/access/**/*.test.ts'],
    globalSetup: [
      'test/workers/access/fake-discord-setup.ts',
      'test/workers/access/interaction-keys-setup.ts',
    ],
    testTimeout: 30_000,
    // discord-api-types is CommonJS behind an ESM wrapper: pre-bundled for workerd (test/workers/pool-node-compat.ts).
    deps: { optimizer: { ssr: poolDependencyOptimizer(['discord-api-types/v10']) } },
    // One file at a time: the eviction test tears down every Durable Object instance of the project.
    fileParallelism: false,
  },
});
