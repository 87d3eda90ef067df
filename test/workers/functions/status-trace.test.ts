/**
 * Trace lookups in workerd: hops flushed to the ops ledger come back per tenant through
 * `/status/trace`, root first with each envelope under its parent, admin-only, and never across tenants.
 */
import { env } from 'cloudflare:workers';
import type { OpsDelta } from '@promethean/shared/ops/ops-delta';
import type { TraceHop } from '@promethean/shared/ops/trace-hops';
import { describe, expect, it } from 'vitest';
import { opsLedger } from '../../../functions/ops/ops-bindings.ts';
import { app } from '../../../functions/src/http-app.ts';

const ADMIN = 'trace-test-admin-token-0123456789abcdef0123456789';
const adminEnv = { ...env, ADMIN_TOKEN: ADMIN } as FunctionsEnv;
const bearer = { authorization: `Bearer ${ADMIN}` };
const run = `t${Math.random().toString(36).slice(2, 8)}`;

function hop(over: Partial<TraceHop> & Pick<TraceHop, 'id' | 'agent' | 'intent'>): TraceHop {
  return {
    provider: 'echo',
    tenant: 'demo',
    trace: `${run}-raw`,
    src: 'echo-access',
    ts: '2026-11-20T10:00:00.000Z',
    ...over,
  };
}

function delta(hops: TraceHop[]): OpsDelta {
  return {
    v: 1,
    worker: 'functions',
    isolate: `iso-${run}`,
    at: Date.now(),
    agents: [],
    queues: [],
    ops: {
      worker_invocations: 0,
      queue_writes: 0,
      queue_reads: 0,
      durable_object_requests: 0,
      store_writes: 0,
      messages_processed: 0,
    },
    health: [],
    bus_health: [],
    dead_letters: [],
    hops,
  };
}

const created = `${run}-created`;
const post = `${run}-post`;

async function flushHops(): Promise<void> {
  const answer = await opsLedger(env).record(
    delta([
      hop({ id: created, parent: `${run}-raw`, agent: 'message-indexer', intent: 'SocialMessageCreated' }),
      hop({ id: created, parent: `${run}-raw`, agent: 'cephalon', intent: 'SocialMessageCreated' }),
      hop({
        id: post,
        parent: created,
        agent: 'discord-rest',
        intent: 'PostMessage',
        src: 'cephalon',
        ts: '2026-11-20T10:00:02.000Z',
      }),
      // Another tenant's envelope claiming the same trace id must never show up under echo/demo.
      hop({
        tenant: 'other',
        id: `${run}-foreign`,
        parent: created,
        agent: 'cephalon',
        intent: 'PostMessage',
      }),
    ]),
  );
  expect('refused' in answer).toBe(false);
}

function rows(body: string): Array<[string, string, string]> {
  return [
    ...body.matchAll(
      /<tr data-id="([^"]+)" data-parent="[^"]*" data-depth="(\d+)">[\s\S]*?<td>([^<]*)<\/td>\s*<td class="small">/g,
    ),
  ].map((m) => [m[1]!, m[2]!, m[3]!]);
}

describe('the status page trace lookup', () => {
  it('shows one message’s trace, root first, found by any envelope id in it', async () => {
    await flushHops();
    for (const id of [post, created, `${run}-raw`]) {
      const res = await app.request(`/status/trace?tenant=echo/demo&id=${id}`, { headers: bearer }, adminEnv);
      expect(res.status).toBe(200);
      const body = await res.text();
      expect(rows(body)).toEqual([
        [created, '0', 'cephalon, message-indexer'],
        [post, '1', 'discord-rest'],
      ]);
      expect(body).not.toContain(`${run}-foreign`);
    }
  });

  it('is admin-only, tenant-scoped, and says when nothing is known', async () => {
    await flushHops();
    expect((await app.request(`/status/trace?tenant=echo/demo&id=${post}`, {}, adminEnv)).status).toBe(401);
    expect(
      (await app.request(`/status/trace?tenant=echo/nobody&id=${post}`, { headers: bearer }, adminEnv))
        .status,
    ).toBe(404);
    expect(
      (await app.request('/status/trace?tenant=echo/demo&id=', { headers: bearer }, adminEnv)).status,
    ).toBe(400);
    const elsewhere = await (
      await app.request(`/status/trace?tenant=discord/duck&id=${post}`, { headers: bearer }, adminEnv)
    ).text();
    expect(rows(elsewhere)).toEqual([]);
    expect(elsewhere).toContain('No trace in');
    const page = await (await app.request('/status', { headers: bearer }, adminEnv)).text();
    expect(page).toContain('action="/status/trace"');
  });

  it('keeps every hop of a large delta, a hop sent twice once', async () => {
    const trace = `${run}-many`;
    const hops = Array.from({ length: 23 }, (_, i) =>
      hop({ trace, id: `${trace}-${i}`, agent: 'message-indexer', intent: 'SocialMessageCreated' }),
    );
    // The same envelope and agent twice in one delta (a redelivery inside one flush): one row.
    hops.push({ ...hops[3]!, ts: '2026-11-20T10:00:09.000Z' });
    const answer = await opsLedger(env).record(delta(hops));
    expect('refused' in answer).toBe(false);
    const found = await opsLedger(env).lookupTrace('echo', 'demo', trace);
    expect(found.map((h) => h.id).sort()).toEqual(
      hops
        .slice(0, 23)
        .map((h) => h.id)
        .sort(),
    );
  });

  it('lists moderation notices on their tenant’s card only, each linked to its trace', async () => {
    const notice = {
      id: `${run}-notice`,
      provider: 'echo',
      tenant: 'demo',
      ts: new Date().toISOString(),
      agent: 'cephalon',
      kind: 'injection_detected',
      source_urn: `urn:echo:message:demo:${run}`,
      detail: 'the question asks to ignore earlier instructions <b>x</b>',
      count: 1,
      trace: `${run}-raw`,
    };
    await opsLedger(env).record({ ...delta([]), moderation: [notice] });
    const page = await (await app.request('/status', { headers: bearer }, adminEnv)).text();
    const card = page.slice(page.indexOf('id="tenant-echo-demo"'));
    const demoCard = card.slice(0, card.indexOf('</section>'));
    expect(demoCard).toContain('injection detected');
    expect(demoCard).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(demoCard).toContain(`/status/trace?tenant=echo%2Fdemo&amp;id=${run}-raw`);
    const duckCard = page.slice(page.indexOf('id="tenant-discord-duck"'));
    expect(duckCard.slice(0, duckCard.indexOf('</section>'))).not.toContain(notice.source_urn);
  });
});
