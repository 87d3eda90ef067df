import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { localAdminToken, NO_ADMIN_TOKEN } from './dev/local-admin-token.ts';
import { REEMBED_USAGE, StoreMoveClient } from './store-move/store-move-client.ts';

const root = join(import.meta.dirname, '..');

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      id: { type: 'string' },
      model: { type: 'string' },
      dimension: { type: 'string' },
      goal: { type: 'string' },
      queue: { type: 'boolean', default: false },
      url: { type: 'string', default: `http://127.0.0.1:${process.env.PROMETHEAN_DEV_PORT ?? '8787'}` },
      'state-dir': { type: 'string', default: join(root, '.promethean-dev') },
    },
  });
  const [command] = positionals;
  const [provider, tenant] = (values.tenant ?? '').split('/');
  if (!command || !provider || !tenant) {
    console.error(REEMBED_USAGE);
    return 2;
  }
  const token = localAdminToken(root, String(values['state-dir']));
  if (token === undefined) throw new Error(NO_ADMIN_TOKEN);
  const client = new StoreMoveClient({
    url: String(values.url),
    token,
    provider,
    tenant,
    migration: 'reembed',
    fetch: (url, init) => fetch(url, init),
    print: (line) => process.stderr.write(`\r${line}`),
  });
  let view: unknown;
  switch (command) {
    case 'start': {
      const dimension = Number(values.dimension);
      if (!values.id || !values.model || !Number.isInteger(dimension) || dimension <= 0) {
        console.error(REEMBED_USAGE);
        return 2;
      }
      view = await client.start({
        id: values.id,
        model: values.model,
        dimension,
        ...(values.goal && { goal: values.goal }),
        ...(values.queue && { queue: true }),
      });
      break;
    }
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
      view = await client.action(command, { queue: values.queue === true });
      break;
    default:
      console.error(REEMBED_USAGE);
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
