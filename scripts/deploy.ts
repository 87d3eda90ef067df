/**
 * `npm run deploy [-- --dry-run] [--first]`: deploys both Workers in the order their bindings need.
 *
 * The access Worker binds the functions Worker's OpsLedger class (a cross-script Durable Object binding,
 * which Cloudflare refuses while promethean-functions does not exist), and the functions Worker binds
 * the access Worker (its ACCESS service). On the first deploy the access Worker therefore goes out once
 * without the marked OPS_LEDGER block, then the functions Worker, then the access Worker complete. Later
 * deploys skip that first step. `--dry-run` builds all three steps (`wrangler deploy --dry-run`, the real
 * bundling and config validation, no upload) and checks the configuration is production.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { bootstrapAccessConfig } from './deploy/bootstrap-config.ts';
import { deployedEnvironmentProblems } from './deploy/deployed-environment.ts';

const root = join(import.meta.dirname, '..');
const wrangler = join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js');
const ACCESS_CONFIG = 'durable-objects/wrangler.toml';
const FUNCTIONS_CONFIG = 'wrangler.toml';

const { values } = parseArgs({
  options: {
    'dry-run': { type: 'boolean', default: false },
    first: { type: 'boolean', default: false },
  },
});
const dryRun = values['dry-run'];

interface Step {
  title: string;
  config: string;
}

function runWrangler(args: string[]): { code: number; output: string } {
  const result = spawnSync(process.execPath, [wrangler, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
  });
  return { code: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` };
}

/** Whether promethean-functions is already deployed (then the bootstrap step is not needed). */
function functionsDeployed(): boolean {
  return runWrangler(['deployments', 'list', '--name', 'promethean-functions']).code === 0;
}

function deploy(step: Step): void {
  console.log(`==> ${step.title}${dryRun ? ' (dry run)' : ''}`);
  // A dry run validates and bundles without Docker: the voice host's container image is built only by a
  // real deploy (which needs Docker where it runs).
  const dry = dryRun ? ['--dry-run', '--containers-rollout=none'] : [];
  const { code, output } = runWrangler(['deploy', '-c', step.config, ...dry]);
  process.stdout.write(output);
  if (code !== 0)
    throw new Error(`${step.title} failed (wrangler exit ${code}); nothing after it was deployed`);
  const problems = deployedEnvironmentProblems(output);
  if (problems.length > 0) {
    throw new Error(`${step.title}: the configuration is not production:\n  ${problems.join('\n  ')}`);
  }
}

// Beside the real config, so its relative `main` and rules resolve the same way.
const bootstrap = join(root, 'durable-objects', `.wrangler-bootstrap-${process.pid}.toml`);
try {
  const first = dryRun || values.first || !functionsDeployed();
  const steps: Step[] = [];
  if (first) {
    writeFileSync(bootstrap, bootstrapAccessConfig(readFileSync(join(root, ACCESS_CONFIG), 'utf8')));
    steps.push({ title: 'promethean-access, first deploy (without OPS_LEDGER)', config: bootstrap });
  }
  steps.push({ title: 'promethean-functions', config: FUNCTIONS_CONFIG });
  steps.push({ title: 'promethean-access', config: ACCESS_CONFIG });
  for (const step of steps) deploy(step);
  console.log(
    dryRun
      ? `deploy dry run passed: ${steps.length} steps built, production configuration`
      : 'deployed. Secrets: see README "Deploying" (wrangler secret put ...); they survive redeploys.',
  );
} catch (e) {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
} finally {
  rmSync(bootstrap, { force: true });
}
