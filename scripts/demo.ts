/**
 * `npm run demo`: a scripted conversation against the running dev stack (`npm run dev`), through the
 * echo provider and signed slash commands: messages are indexed and embedded, /search finds them,
 * /ask gets an answer. Each step is printed; each waits by polling state (bounded), and the demo
 * exits non-zero saying which step did not happen.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DemoClient, DemoStepError, pollUntil } from './dev/demo-client.ts';
import { DevKeysMissingError, readDevKeys } from './dev/dev-keys.ts';

const root = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    url: { type: 'string', default: `http://127.0.0.1:${process.env.PROMETHEAN_DEV_PORT ?? '8787'}` },
    'state-dir': { type: 'string', default: join(root, '.wrangler', 'dev-state') },
    tenant: { type: 'string', default: 'demo' },
    'timeout-s': { type: 'string', default: '90' },
  },
});
const timeoutMs = Number(values['timeout-s']) * 1000;
const tenant = values.tenant!;
const client = new DemoClient(values.url!, 'echo', tenant);
const run = Date.now().toString(36);
// Numeric, sortable ids unique to this run, so a rerun adds messages instead of replaying old ones.
const firstId = BigInt(Date.now()) * 1000n;
const CONVERSATION = [
  {
    author: { id: 'ada', name: 'Ada' },
    content: 'The ducks gather at the pond by the old mill every morning.',
  },
  { author: { id: 'bob', name: 'Bob' }, content: 'I fed the ducks some oats at the mill pond yesterday.' },
  { author: { id: 'cy', name: 'Cy' }, content: 'Reminder: the quarterly budget review moved to Thursday.' },
  { author: { id: 'ada', name: 'Ada' }, content: 'Does anyone have a good recipe for lemon cake?' },
].map((line, i) => ({ ...line, id: String(firstId + BigInt(i)) }));
const ids = CONVERSATION.map((l) => l.id);

let step = 0;
const STEPS = 7;
async function stepDo<T>(title: string, work: () => Promise<T>, show?: (value: T) => string): Promise<T> {
  step += 1;
  const started = Date.now();
  process.stdout.write(`[${step}/${STEPS}] ${title} ... `);
  const value = await work();
  const extra = show ? show(value) : '';
  console.log(`ok (${Date.now() - started} ms)${extra ? `\n${extra.replace(/^/gm, '      ')}` : ''}`);
  return value;
}

function expectStatus(what: string, got: { status: number; body: unknown }, status: number): void {
  if (got.status !== status)
    throw new DemoStepError(
      `${what}: expected HTTP ${status}, got ${got.status} ${JSON.stringify(got.body)}`,
    );
}

async function main(): Promise<void> {
  const keys = readDevKeys(values['state-dir']!).interaction_keys.echo?.[tenant];
  if (!keys)
    throw new DemoStepError(`no signing key for echo/${tenant} in the dev keys: restart npm run dev`);
  console.log(`demo run ${run} against ${values.url} (echo/${tenant})`);

  const askers = await stepDo(
    'the dev stack answers',
    async () => {
      const health = await client
        .json<{ agents?: Array<{ agent: string; inputs?: string[] }> }>('/health')
        .catch(() => {
          throw new DemoStepError(
            `nothing answers at ${values.url}: start the dev stack first (npm run dev)`,
          );
        });
      const agents = health.body.agents ?? [];
      return agents.filter((a) => a.inputs?.some((t) => t.endsWith('.interaction.ask'))).map((a) => a.agent);
    },
    (a) => `agents answering /ask: ${a.join(', ') || 'none yet'}`,
  );

  await stepDo(
    'a signed PING is answered, a tampered one refused',
    async () => {
      const ping = { type: 'ping', id: `demo-${run}-ping` };
      const pong = await client.interact(keys, ping);
      expectStatus('PING', pong, 200);
      const tampered = await client.interact(keys, { ...ping, id: `demo-${run}-ping2` }, (b) =>
        b.replace('ping2', 'pong2'),
      );
      expectStatus('tampered PING', tampered, 401);
      return tampered.body;
    },
    (refusal) => `tampered request: 401 ${JSON.stringify(refusal)}`,
  );

  await stepDo(
    `${CONVERSATION.length} people talk in #general`,
    async () => {
      const said = await client.say(CONVERSATION);
      expectStatus('echo input', said, 202);
    },
    () => CONVERSATION.map((l) => `${l.author.name}: ${l.content}`).join('\n'),
  );

  let last = { indexed: 0, embedded: 0, pinned: 'nothing yet' };
  await stepDo(
    'the messages are indexed and embedded',
    () =>
      pollUntil(
        async () => {
          const { body } = await client.indexStatus(ids);
          const pinned = body.vectors.pinned;
          last = {
            indexed: body.documents.indexed.length,
            embedded: body.vectors.embedded.length,
            pinned: pinned ? `${pinned.model}/${pinned.dimension}` : 'nothing yet',
          };
          const done = last.indexed === ids.length && last.embedded === ids.length;
          return done ? body : undefined;
        },
        timeoutMs,
        () =>
          `after ${timeoutMs / 1000} s, ${last.indexed}/${ids.length} messages were indexed (document store) and ` +
          `${last.embedded}/${ids.length} embedded (vectors pinned to ${last.pinned}); see the dev stack's output ` +
          '(is an agent embedding messages, and does Chroma answer?)',
      ),
    (s) =>
      `documents: ${s.documents.count} messages; vectors: ${s.vectors.count} (${s.vectors.pinned?.model}/${s.vectors.pinned?.dimension})`,
  );

  const search = await stepDo(
    '/search query:ducks at the mill pond',
    async () => {
      const id = `demo-${run}-search`;
      const deferred = await client.interact(keys, {
        type: 'command',
        id,
        command: 'search',
        options: { query: 'ducks at the mill pond', limit: 3 },
        user: { id: 'ada', name: 'Ada' },
        channel: 'general',
      });
      expectStatus('/search', deferred, 200);
      const urn = `urn:echo:interaction:${tenant}:${id}`;
      return pollUntil(
        () => client.answerTo(urn),
        timeoutMs,
        () => `/search was deferred but not answered within ${timeoutMs / 1000} s (the search agent)`,
      );
    },
    (answer) => answer,
  );
  if (!ids.slice(0, 2).some((id) => search.includes(id)))
    throw new DemoStepError(
      `/search answered, but without this run's pond messages (${ids[0]}, ${ids[1]}):\n${search}`,
    );
  console.log("      /search found this run's pond messages");

  const ask = await stepDo(
    '/ask question:Where do the ducks gather?',
    async () => {
      const id = `demo-${run}-ask`;
      const deferred = await client.interact(keys, {
        type: 'command',
        id,
        command: 'ask',
        options: { question: 'Where do the ducks gather?' },
        user: { id: 'bob', name: 'Bob' },
        channel: 'general',
      });
      expectStatus('/ask', deferred, 200);
      const urn = `urn:echo:interaction:${tenant}:${id}`;
      const why = askers.length === 0 ? ' No agent subscribes to interaction.ask yet (the cephalon).' : '';
      return pollUntil(
        () => client.answerTo(urn),
        timeoutMs,
        () => `/ask was deferred but not answered within ${timeoutMs / 1000} s.${why}`,
      );
    },
    (answer) => answer,
  );
  console.log(
    `      ${ask.includes('[offline]') ? 'answered by the offline model (it says so)' : 'answered by the configured model'}`,
  );

  await stepDo(
    'the transcript shows the whole conversation',
    async () => client.transcript(),
    (lines) =>
      lines
        .slice(-12)
        .map((l) => `${l.direction === 'in' ? '>' : '<'} ${l.author_id}: ${l.content.split('\n')[0]}`)
        .join('\n'),
  );
  console.log(`\ndemo ${run} passed: ${STEPS} steps`);
}

main().catch((e: unknown) => {
  const known = e instanceof DemoStepError || e instanceof DevKeysMissingError;
  console.error(`\ndemo failed at step ${step}: ${known ? (e as Error).message : String(e)}`);
  process.exit(1);
});
