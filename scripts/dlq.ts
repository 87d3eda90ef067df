import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localAdminToken, NO_ADMIN_TOKEN } from './dev/local-admin-token.ts';
import { DLQ_USAGE, DlqRequestError, DlqUsageError, parseDlqArgs, runDlq } from './dlq/dlq-client.ts';

const root = join(import.meta.dirname, '..');

function adminToken(stateDir: string): string {
  const token = localAdminToken(root, stateDir);
  if (token === undefined) throw new DlqRequestError(NO_ADMIN_TOKEN);
  return token;
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
