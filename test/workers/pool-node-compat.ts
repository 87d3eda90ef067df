/**
 * Lets CommonJS packages that need Node built-ins (the `mongodb` driver) load inside workerd under
 * `@cloudflare/vitest-plugin` 1.5.0 (formerly `@cloudflare/vitest-pool-workers`), as they already do in a wrangler bundle (`wrangler dev` and
 * deploy bundle with esbuild and need none of this). The pool loads node_modules unbundled through its
 * module-fallback service, which has two gaps the driver hits:
 *
 * 1. A bare `require("bson")` from `mongodb/lib/bson.js` is first tried as a path next to the requiring
 *    file, finds `lib/bson.js` itself and recurses ("Maximum call stack size exceeded"). Pre-bundling the
 *    driver with Vite's dependency optimizer removes the internal requires.
 * 2. The pool's list of workerd built-ins lacks `node:process` (workerd has it: an ESM `import` works), so
 *    `require("node:process")` fails with `No such module "node:process"`. The plugin below answers that
 *    one require with workerd's own `process` object.
 */
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import type { Plugin } from 'vite';

const PROCESS_SHIM = join(import.meta.dirname, 'node-process-shim.cjs');

/** Resolves `require("node:process")` (never an `import`) to workerd's `globalThis.process`. */
export function requireNodeProcess(): Plugin {
  return {
    name: 'promethean:require-node-process',
    enforce: 'pre',
    resolveId(id, _importer, options) {
      const custom = options.custom as { 'node-resolve'?: { isRequire?: boolean } } | undefined;
      if ((id === 'node:process' || id === 'process') && custom?.['node-resolve']?.isRequire)
        return PROCESS_SHIM;
      return null;
    },
  };
}

/** `test.deps.optimizer.ssr` for the pool: bundle these packages, leaving Node built-ins to workerd. */
export function poolDependencyOptimizer(packages: readonly string[]) {
  return {
    enabled: true,
    include: [...packages],
    rolldownOptions: { platform: 'node' as const, external: [/^node:/, ...builtinModules] },
  };
}
