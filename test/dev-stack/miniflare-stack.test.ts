/**
 * The pipeline stack's Miniflare launcher: both Workers bundled and started through Miniflare's API (no
 * `wrangler dev`, no generated .dev.vars) serve /health, and one seeded Discord message goes through both:
 * an admin backfill on the functions Worker becomes an access command on the queue, the access Worker reads
 * the channel from the fake Discord through its RestBuckets, and the functions Worker's indexer stores it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PipelineStack, type StackLauncher, startPipelineStack } from '../bench/pipeline-stack.ts';

const GUILD = '800000000000000001';
const CHANNEL = '700000000000009001';
const devVars = join(import.meta.dirname, '..', '..', 'durable-objects', '.dev.vars');

// STACK_LAUNCHER=wrangler-dev (or wrangler-dev-split: one wrangler dev per Worker) runs the same checks
// under wrangler dev: the launchers' timing comparison, and the split launcher's cross-session check.
const fromEnv = process.env.STACK_LAUNCHER;
const launcher: StackLauncher =
  fromEnv === 'wrangler-dev' || fromEnv === 'wrangler-dev-split' ? fromEnv : 'miniflare';
let stack: PipelineStack;

beforeAll(async () => {
  stack = await startPipelineStack({ documents: 'sqlite', launcher });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  let last = await probe();
  while (!ok(last)) {
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 200));
    last = await probe();
  }
  return last;
}

it('serves /health without writing a .dev.vars', async () => {
  const r = await fetch(`${stack.url}/health`);
  expect(r.status).toBe(200);
  if (launcher !== 'wrangler-dev') expect(existsSync(devVars)).toBe(false);
});

it('passes one message through both Workers (functions -> access -> fake Discord -> functions)', async () => {
  const [seeded] = stack.fake.state.seedChannel(CHANNEL, { guildId: GUILD, messages: 1 });
  const start = await stack.admin('/admin/backfill/discord/duck', {
    method: 'POST',
    body: JSON.stringify({ channel_id: CHANNEL, space_id: GUILD, job_id: 'miniflare-one' }),
  });
  expect(start.status).toBe(202);
  const stored = await until(
    'the message in the document store',
    async () => {
      const r = await stack.admin('/admin/documents/discord/duck/messages?limit=10');
      return r.ok ? ((await r.json()) as { messages: Array<{ foreign_id: string }> }).messages : [];
    },
    (messages) => messages.length > 0,
  );
  expect(stored.map((m) => m.foreign_id)).toEqual([seeded?.id]);
});
