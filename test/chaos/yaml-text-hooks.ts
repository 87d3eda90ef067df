/**
 * Lets Node import `agent.yml` and `providers.yml` as text, as wrangler's Text rule does for Workers and
 * `scripts/vite-yaml-text.ts` does for Vitest, so the chaos CLI can load the agents under plain tsx.
 */
import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

let registered = false;

/** Registers the hook once; modules imported afterwards (dynamically) may import `.yml` files. */
export function registerYamlText(): void {
  if (registered) return;
  registered = true;
  registerHooks({
    load(url, context, nextLoad) {
      if (!/\.ya?ml$/.test(new URL(url).pathname)) return nextLoad(url, context);
      const text = readFileSync(fileURLToPath(url), 'utf8');
      return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
    },
  });
}
