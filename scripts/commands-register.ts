/**
 * `npm run commands:register -- --tenant <name> [--provider discord] [--url <functions Worker>] [--dry-run]`:
 * registers the tenant's slash commands with an idempotent bulk overwrite, done by the access layer
 * with the tenant's own token (through the functions Worker's admin route), and prints what changed.
 * ADMIN_TOKEN comes from the environment, else `.dev.vars`, else the dev stack's generated one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CommandSyncFailure, CommandSyncReport } from '../shared/platform/interaction-intake.ts';
import { readDevKeys } from './dev/dev-keys.ts';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    provider: { type: 'string', default: 'discord' },
    url: { type: 'string', default: `http://127.0.0.1:${process.env.PROMETHEAN_DEV_PORT ?? '8787'}` },
    'state-dir': { type: 'string', default: join(root, '.wrangler', 'dev-state') },
    'dry-run': { type: 'boolean', default: false },
  },
});

function fail(message: string, code = 1): never {
  console.error(message);
  process.exit(code);
}

/** ADMIN_TOKEN from the environment, the functions Worker's .dev.vars, or the dev stack's keys. */
function adminToken(): string {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  const devVars = join(root, '.dev.vars');
  const line = existsSync(devVars)
    ? /^\s*ADMIN_TOKEN\s*=\s*"?([^"\s]+)"?/m.exec(readFileSync(devVars, 'utf8'))
    : null;
  if (line?.[1]) return line[1];
  try {
    return readDevKeys(values['state-dir']!).admin_token;
  } catch {
    return fail(
      'no ADMIN_TOKEN: set it in the environment or .dev.vars, or start the dev stack (npm run dev) first',
    );
  }
}

if (!values.tenant)
  fail('usage: npm run commands:register -- --tenant <name> [--provider discord] [--url URL] [--dry-run]', 2);
const path = `/admin/commands/${values.provider}/${values.tenant}${values['dry-run'] ? '?dry_run=1' : ''}`;
const url = `${values.url!.replace(/\/$/, '')}${path}`;
let res: Response;
try {
  res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${adminToken()}` } });
} catch (e) {
  fail(
    `could not reach ${url}: ${e instanceof Error ? e.message : String(e)} (is the dev stack running, or --url right?)`,
  );
}
const body = (await res.json().catch(() => ({}))) as Partial<CommandSyncReport & CommandSyncFailure>;
if (!res.ok || !Array.isArray(body.changes))
  fail(`registration failed: HTTP ${res.status} ${body.error ?? ''} ${body.message ?? ''}`.trim());
const report = body as CommandSyncReport;
console.log(
  `${report.provider}/${report.tenant} (application ${report.application_id}, ${report.scope} commands):`,
);
for (const c of report.changes) console.log(`  ${c.change.padEnd(9)} /${c.name}`);
const counts = ['added', 'updated', 'unchanged', 'removed'].map(
  (k) => `${report.changes.filter((c) => c.change === k).length} ${k}`,
);
console.log(
  `${counts.join(', ')}; ${report.applied ? 'written to Discord (bulk overwrite)' : values['dry-run'] ? 'dry run: nothing written' : 'nothing to write'}`,
);
