/** Test projects: pure logic in Node, Worker integration inside workerd (one project per Worker). */
import { defineConfig } from 'vitest/config';
import { yamlText } from './scripts/vite-yaml-text.ts';

export default defineConfig({
  plugins: [yamlText()],
  test: {
    projects: [
      {
        plugins: [yamlText()],
        test: {
          name: 'unit',
          environment: 'node',
          include: ['{schemas,shared,functions,durable-objects,voice-host,test,scripts}/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'test/workers/**', 'test/chaos/**'],
          testTimeout: 20_000,
        },
      },
    ],
  },
});
