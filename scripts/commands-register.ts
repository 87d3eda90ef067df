import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CommandSyncFailure, CommandSyncReport } from '../shared/platform/interaction-intake.ts';
import { localAdminToken, NO_ADMIN_TOKEN } from './dev/local-admin-token.ts';

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

function adminToken(): string {
  return localAdminToken(root, values['state-dir']!) ?? fail(NO_ADMIN_TOKEN);
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
