import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localAdminToken, NO_ADMIN_TOKEN } from './dev/local-admin-token.ts';
import { runMain, runMigrationCommand, USAGE_EXIT } from './store-move/migration-command.ts';
import { STORE_MOVE_USAGE, StoreMoveClient } from './store-move/store-move-client.ts';

const root = join(import.meta.dirname, '..');

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      to: { type: 'string' },
      id: { type: 'string' },
      goal: { type: 'string' },
      queue: { type: 'boolean', default: false },
      url: { type: 'string', default: `http://127.0.0.1:${process.env.PROMETHEAN_DEV_PORT ?? '8787'}` },
      'state-dir': { type: 'string', default: join(root, '.promethean-dev') },
    },
  });
  const [command] = positionals;
  const [provider, tenant] = (values.tenant ?? '').split('/');
  if (!command || !provider || !tenant) {
    console.error(STORE_MOVE_USAGE);
    return USAGE_EXIT;
  }
  const token = localAdminToken(root, String(values['state-dir']));
  if (token === undefined) throw new Error(NO_ADMIN_TOKEN);
  const client = new StoreMoveClient({
    url: String(values.url),
    token,
    provider,
    tenant,
    fetch: (url, init) => fetch(url, init),
    print: (line) => process.stderr.write(`\r${line}`),
  });
  return runMigrationCommand({
    command,
    client,
    actions: ['cutover', 'decommission', 'rollback', 'pause', 'resume', 'verify', 'repair'],
    queue: values.queue === true,
    usage: STORE_MOVE_USAGE,
    out: (text) => console.log(text),
    err: (text) => console.error(text),
    start: () =>
      values.to && values.id
        ? client.start({
            id: values.id,
            to: values.to,
            ...(values.goal && { goal: values.goal }),
            ...(values.queue && { queue: true }),
          })
        : undefined,
  });
}

runMain(main);
