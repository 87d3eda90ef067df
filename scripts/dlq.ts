/**
 * `npm run dlq -- list|show|replay|purge --tenant <provider>/<tenant> [--id …] [--url …]`: inspect,
 * replay and purge a tenant's dead letters through the functions Worker's admin routes.
 * ADMIN_TOKEN comes from the environment, else `.dev.vars`, else the dev stack's generated one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readDevKeys } from './dev/dev-keys.ts';
import { DLQ_USAGE, DlqRequestError, DlqUsageError, parseDlqArgs, runDlq } from './dlq/dlq-client.ts';

const root = join(import.meta.dirname, '..');

/** ADMIN_TOKEN from the environment, the functions Worker's .dev.vars, or the dev stack's keys. */
function adminToken(stateDir: string): string {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  const devVars = join(root, '.dev.vars');
  const line = existsSync(devVars)
    ? /^\s*ADMIN_TOKEN\s*=\s*"?([^"\s]+)"?/m.exec(readFileSync(devVars, 'utf8'))
    : null;
  if (line?.[1]) return line[1];
  try {
    return readDevKeys(stateDir).admin_token;
  } catch {
    throw new DlqRequestError(
      'no ADMIN_TOKEN: set it in the environment or in .dev.vars, or start the dev stack (npm run dev) first',
    );
  }
}

async function main(): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        tenant: { type: 'string' },
        id: { type: 'string' },
        reason: { type: 'string' },
        agent: { type: 'string' },
        since: { type: 'string' },
        limit: { type: 'string' },
        all: { type: 'boolean' },
        json: { type: 'boolean' },
        url: { type: 'string', default: `http://127.0.0.1:${process.env.PROMETHEAN_DEV_PORT ?? '8787'}` },
        'state-dir': { type: 'string', default: join(root, '.wrangler', 'dev-state') },
        help: { type: 'boolean' },
      },
    });
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${DLQ_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(DLQ_USAGE);
    return 0;
  }
  try {
    const args = parseDlqArgs(positionals[0], values as Record<string, string | boolean | undefined>);
    const out = await runDlq(args, {
      url: String(values.url),
      token: adminToken(String(values['state-dir'])),
      fetch: (url, init) => fetch(url, init),
    });
    console.log(out);
    return 0;
  } catch (e) {
    if (e instanceof DlqUsageError) {
      console.error(`${e.message}\n\n${DLQ_USAGE}`);
      return 2;
    }
    if (e instanceof DlqRequestError) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}

process.exitCode = await main();
