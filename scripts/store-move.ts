import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localAdminToken, NO_ADMIN_TOKEN } from './dev/local-admin-token.ts';
import { STORE_MOVE_USAGE, StoreMoveClient } from './store-move/store-move-client.ts';

const root = join(import.meta.dirname, '..');

function adminToken(stateDir: string): string {
  const token = localAdminToken(root, stateDir);
  if (token === undefined) throw new Error(NO_ADMIN_TOKEN);
  return token;
}

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
    return 2;
  }
  const client = new StoreMoveClient({
    url: String(values.url),
    token: adminToken(String(values['state-dir'])),
    provider,
    tenant,
    fetch: (url, init) => fetch(url, init),
    print: (line) => process.stderr.write(`\r${line}`),
  });
  let view: unknown;
  switch (command) {
    case 'start':
      if (!values.to || !values.id) {
        console.error(STORE_MOVE_USAGE);
        return 2;
      }
      view = await client.start({
        id: values.id,
        to: values.to,
        ...(values.goal && { goal: values.goal }),
        ...(values.queue && { queue: true }),
      });
      break;
    case 'status':
      view = await client.status();
      break;
    case 'watch':
      view = await client.watch();
      process.stderr.write('\n');
      break;
    case 'cutover':
    case 'decommission':
    case 'rollback':
    case 'pause':
    case 'resume':
    case 'verify':
      view = await client.action(command, { queue: values.queue === true });
      break;
    default:
      console.error(STORE_MOVE_USAGE);
      return 2;
  }
  console.log(JSON.stringify(view, null, 2));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
