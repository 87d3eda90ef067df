import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import { ChatSession } from './chat/chat-session.ts';
import { localAdminToken } from './dev/local-admin-token.ts';

const USAGE =
  'usage: npm run chat -- --tenant <provider>/<tenant> [--persona pythagoras] [--url http://127.0.0.1:8787]';
const root = join(import.meta.dirname, '..');

async function apiKey(url: string, provider: string, tenant: string): Promise<string> {
  if (process.env.PROMETHEAN_API_KEY) return process.env.PROMETHEAN_API_KEY;
  const admin = localAdminToken(root);
  if (!admin) throw new Error('set PROMETHEAN_API_KEY (a /v1 key), or ADMIN_TOKEN so one can be created');
  const res = await fetch(`${url}/admin/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ provider, tenant, label: 'npm run chat' }),
  });
  if (!res.ok) throw new Error(`creating a key failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { key: string }).key;
}

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    persona: { type: 'string' },
    url: { type: 'string', default: `http://127.0.0.1:${process.env.PROMETHEAN_DEV_PORT ?? '8787'}` },
  },
});
const [provider, tenant] = (values.tenant ?? '').split('/');
if (!provider || !tenant) {
  console.error(USAGE);
  process.exit(2);
}
const url = String(values.url).replace(/\/+$/, '');
const key = await apiKey(url, provider, tenant);
const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/v1/llm/ws`, {
  headers: { authorization: `Bearer ${key}` },
});
await new Promise<void>((resolve, reject) => {
  socket.once('open', () => resolve());
  socket.once('error', reject);
});
const session = new ChatSession(socket, {
  ...(values.persona !== undefined && { persona: values.persona }),
  write: (t) => process.stdout.write(t),
});
const rl = createInterface({ input: process.stdin, output: process.stdout });
console.log(
  `connected to ${provider}/${tenant}${values.persona ? ` as ${values.persona}` : ''}; an empty line quits`,
);
for (;;) {
  const line = (await rl.question('> ')).trim();
  if (line === '') break;
  await session.ask(line);
}
rl.close();
socket.close();
