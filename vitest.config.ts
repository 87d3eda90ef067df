/** Test projects: pure logic in Node, Worker integration inside workerd (one project per Worker). */
import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';
import { yamlText } from './scripts/vite-yaml-text.ts';
import { planStorageServers } from './test/servers/storage-server-plan.ts';
import { accessStandIn } from './test/workers/functions/access-stand-in.ts';
import { poolDependencyOptimizer, requireNodeProcess } from './test/workers/pool-node-compat.ts';

// Where the storage servers (MongoDB-wire, Chroma) will listen; the global setup starts them there.
const storage = await planStorageServers();
const STORAGE_SERVERS = 'test/servers/storage-servers-setup.ts';

export default defineConfig({
  // The workers pool resolves node_modules requires through the root server: see test/workers/pool-node-compat.ts.
  plugins: [requireNodeProcess()],
  test: {
    reporters: ['default', './scripts/test-summary-reporter.ts'],
    projects: [
      {
        plugins: [yamlText()],
        test: {
          name: 'unit',
          environment: 'node',
          include: ['{schemas,shared,functions,durable-objects,voice-host,test,scripts,docs}/**/*.test.ts'],
          exclude: [
            '**/node_modules/**',
            'test/workers/**',
            'test/chaos/**',
            'test/dev-stack/**',
            'test/status-page/**',
          ],
          testTimeout: 20_000,
          globalSetup: [STORAGE_SERVERS],
        },
      },
      // Tests that start the whole dev stack (npm run dev) as a user would. One file at a time: every
      // stack writes the access Worker's generated durable-objects/.dev.vars, which is one file.
      {
        plugins: [yamlText()],
        test: {
          name: 'stack',
          environment: 'node',
          include: ['test/dev-stack/**/*.test.ts', 'test/status-page/**/*.test.ts'],
          testTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        plugins: [
          yamlText(),
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            // The access Worker runs beside this one only in the dev-stack test; here its binding answers 503.
            miniflare: {
              bindings: {
                MONGODB_URI: storage.mongoUri,
                CHROMA_URL: storage.chromaUrl,
                // Every database this Worker creates in tests is marked test (shared/migrations/target-marker.ts).
                DATA_TARGET: 'test',
                // `npm run bench:store-move` sets this; the test suite runs the short form (500 documents).
                STORE_MOVE_BENCH_DOCUMENTS: process.env.STORE_MOVE_BENCH_DOCUMENTS ?? '500',
                // `npm run bench:migrate` sets these for the re-embed on the embedded store (short form: 300).
                REEMBED_BENCH_DOCUMENTS: process.env.REEMBED_BENCH_DOCUMENTS ?? '300',
                REEMBED_BENCH_PAGE: process.env.REEMBED_BENCH_PAGE ?? '500',
                REEMBED_BENCH_PAGES_PER_STEP: process.env.REEMBED_BENCH_PAGES_PER_STEP ?? '4',
                // The voice host's secret as this Worker knows it (test/workers/functions/voice-ingest.test.ts).
                VOICE_INGEST_SECRET: 'voice-ingest-test-secret-0123456789',
                // Signs playback chunk URLs (test/workers/functions/voice-ingest.test.ts).
                VOICE_PLAYBACK_SECRET: 'voice-playback-test-secret-0123456789',
                // wrangler.toml leaves the playback origin empty until deployed; a loopback one, as in dev.
                VOICE_PLAYBACK_BASE_URL: 'http://127.0.0.1:8787',
              },
              // fetch answers 503; the voice-mixer's voicePlay RPC is taken as a connected host would.
              serviceBindings: { ACCESS: accessStandIn.name },
              workers: [accessStandIn],
            },
          }),
        ],
        test: {
          name: 'functions-worker',
          include: ['test/workers/functions/**/*.test.ts'],
          testTimeout: 30_000,
          globalSetup: [STORAGE_SERVERS],
          // The mongodb driver is pre-bundled for workerd: see test/workers/pool-node-compat.ts.
          deps: { optimizer: { ssr: poolDependencyOptimizer(['mongodb']) } },
        },
      },
      // The chaos suite, short: it starts (and stops, kills, restarts) its own servers, so no global setup.
      {
        plugins: [yamlText()],
        test: {
          name: 'chaos',
          environment: 'node',
          include: ['test/chaos/**/*.test.ts'],
          testTimeout: 180_000,
        },
      },
      // The access Worker's project lives beside its wrangler.toml: only there may token bindings be named.
      './durable-objects/vitest.config.ts',
    ],
  },
});
