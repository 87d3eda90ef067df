/**
 * `npm run store-move -- <command> --tenant <provider>/<tenant>`: a tenant's store move (embedded SQLite ↔
 * MongoDB) through the functions Worker's admin routes; `watch` steps it with a progress line.
 * ADMIN_TOKEN comes from the environment, else `.dev.vars`, else the dev stack's generated one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readDevKeys } from './dev/dev-keys.ts';
import { STORE_MOVE_USAGE, StoreMoveClient } from './store-move/store-move-client.ts';

const root = join(import.meta.dirname, '..');

function adminToken(stateDir: string): string {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  const devVars = join(root, '.dev.vars');
  const line = existsSync(devVars)
    ? /^\s*ADMIN_TOKEN\s*=\s*"?([^"\s]+)"?/m.exec(readFileSync(devVars, 'utf8'))
    : null;
  if (line?.[1]) return line[1];
  return readDevKeys(stateDir).admin_token;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      to: { type: 'string' },
      id: { type: 'string' },
      goal: { type: 'string' },
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
      view = await client.start({ id: values.id, to: values.to, ...(values.goal && { goal: values.goal }) });
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
      view = await client.action(command);
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
