/** Test projects: pure logic in Node, Worker integration inside workerd (one project per Worker). */
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { yamlText } from './scripts/vite-yaml-text.ts';

export default defineConfig({
  test: {
    reporters: ['default', './scripts/test-summary-reporter.ts'],
    projects: [
      {
        plugins: [yamlText()],
        test: {
          name: 'unit',
          environment: 'node',
          include: ['{schemas,shared,functions,durable-objects,voice-host,test,scripts,docs}/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'test/workers/**', 'test/chaos/**'],
          testTimeout: 20_000,
        },
      },
      {
        plugins: [
          yamlText(),
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            // The access Worker runs beside this one only in the dev-stack test; here its binding answers 503.
            miniflare: {
              serviceBindings: {
                ACCESS: () =>
                  new Response('promethean-access is not part of this test project', { status: 503 }),
              },
            },
          }),
        ],
        test: {
          name: 'functions-worker',
          include: ['test/workers/functions/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      // The access Worker's project lives beside its wrangler.toml: only there may token bindings be named.
      './durable-objects/vitest.config.ts',
    ],
  },
});
