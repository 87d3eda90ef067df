/**
 * The re-embed on the platform, inside workerd against the real stores (TenantDocuments, Chroma): the
 * reembedder agent chains its own steps from start to cutover while messages arrive, a cron tick's tail
 * chain brings writes made after cutover into the new collection from the change log, and a rollback
 * brings writes only the new collection got back into the old one, so search answers from it with them.
 * The model is the only double (deterministic hashed vectors, answering the model asked for).
 */
import { env } from 'cloudflare:workers';
import type { Envelope } from '@promethean/schemas/envelope';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { chromaClientArgs } from '@promethean/shared/effects/chroma-vector-store';
import type { StoredDocument } from '@promethean/shared/effects/document-store';
import type { EmbeddingSpec } from '@promethean/shared/effects/effect-ports';
import type { Embedder } from '@promethean/shared/migrations/integrity/vector-source';
import { reembedProgress } from '@promethean/shared/migrations/reembed/reembed-progress';
import { OpsRecorder } from '@promethean/shared/ops/ops-recorder';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { PublishRecorder } from '@promethean/test/harness/recording-runtime';
import { ChromaClient } from 'chromadb';
import { describe, expect, it } from 'vitest';
import { messageVectorSource } from '../../../functions/agents/message-embedder/message-vector-source.ts';
import {
  createdDocument,
  updatedDocument,
} from '../../../functions/agents/message-indexer/message-document.ts';
import { reembedder } from '../../../functions/agents/reembedder/handler.ts';
import { hashedEmbedding } from '../../../functions/models/offline-embedding.ts';
import { scheduleReembedTails } from '../../../functions/ops/reembed-tail-schedule.ts';
import { reportMigration } from '../../../functions/src/routes/migration-chains.ts';
import { readStorageEnv } from '../../../functions/storage/storage-env.ts';
import { tenantReembedPort } from '../../../functions/storage/tenant-reembed-port.ts';
import { tenantStoragePorts } from '../../../functions/storage/tenant-storage-ports.ts';
import { reembedderDeps } from './reembedder-harness.ts';

const run = Math.random().toString(36).slice(2, 8);
const OLD = { model: 'old-embed', dimension: 8 };
const NEW = { model: 'new-embed', dimension: 16 };
const embedderFor =
  (spec: EmbeddingSpec): Embedder =>
  async (texts) => ({ ...spec, vectors: texts.map((t) => hashedEmbedding(t, spec.dimension)) });

function message(tenant: string, i: number, content = `duck fact ${i}`): StoredDocument {
  const id = String(7_000_000 + i);
  return createdDocument(
    { provider: 'contract', tenant },
    {
      urn: `urn:contract:message:${tenant}:${id}`,
      foreign_id: id,
      channel: { urn: `urn:contract:channel:${tenant}:c`, foreign_id: 'c' },
      is_direct: false,
      author: { urn: `urn:contract:user:${tenant}:u`, foreign_id: 'u', bot: false },
      content,
      created_at: '2026-01-01T00:00:00.000Z',
      attachments: [],
      mentions: { users: [], roles: [], everyone: false, bot: false },
    },
  );
}

describe('re-embed on the platform (workerd: TenantDocuments + Chroma)', () => {
  it('the reembedder chains to cutover while writes arrive; a cron tail and a rollback carry later writes', async () => {
    const tenant = `reembed-${run}`;
    const registry = ProviderRegistry.fromYaml(`
version: 1
providers:
  contract:
    adapter: echo
    tenants:
      ${tenant}: { storage: { documents: sqlite, vectors: chroma } }
`);
    const view = registry.tenant('contract', tenant);
    const ports = () => tenantStoragePorts(env, view);
    /** The message-embedder's write: the document, then its vector with the model given. */
    const live = async (docs: StoredDocument[], spec: EmbeddingSpec) => {
      const { documents, vectors } = ports();
      await documents!.upsertMany('messages', docs);
      const merged = await documents!.getMany(
        'messages',
        docs.map((d) => d.foreign_id),
      );
      const sources = merged.map(messageVectorSource).flatMap((s) => (s.skip === undefined ? [s] : []));
      const answer = await embedderFor(spec)(sources.map((s) => s.text));
      await vectors!.upsert(
        'messages',
        sources.map((s, k) => ({
          id: s.id,
          embedding: answer.vectors[k]!,
          document: s.text,
          metadata: s.metadata,
        })),
        answer,
      );
    };
    const search = async (text: string) => {
      const vectors = ports().vectors!;
      const pin = (await vectors.pinned('messages'))!;
      return { pin, top: (await vectors.query('messages', hashedEmbedding(text, pin.dimension), 1))[0] };
    };
    await live(
      Array.from({ length: 25 }, (_, i) => message(tenant, i)),
      OLD,
    );

    // One page per step, so the redelivered step below is one mid-backfill.
    const reembed = () => tenantReembedPort(env, view, { embedderFor, pageSize: 10, pagesPerStep: 1 })!;
    const { deps, recorder } = reembedderDeps(env, registry, reembed);
    const ops = new OpsRecorder();
    /** Runs a chain from its first message; answers the progress reports it published. */
    const chain = async (first: unknown) => {
      let next: unknown = first;
      const reports: Envelope[] = [];
      for (let steps = 0; next !== undefined; steps++) {
        expect(steps).toBeLessThan(30);
        recorder.published.length = 0;
        expect((await invokeAgent(reembedder, next, deps)).outcome).toBe('ok');
        for (const e of recorder.published) ops.reembedProgress(e);
        reports.push(...recorder.published.filter((e) => e.intent === 'jobs.migrations.reembed.progress'));
        const sent = recorder.published.filter((e) => e.intent === 'jobs.migrations.reembed.step');
        if (steps === 1) {
          // A redelivered step sends the same next message: the chain does not fork.
          const again = new PublishRecorder();
          await invokeAgent(reembedder, next, { ...deps, broker: again });
          const resent = again.published.filter((e) => e.intent === 'jobs.migrations.reembed.step');
          expect(resent.map((e) => e.id)).toEqual(sent.map((e) => e.id));
          // A message arrives mid-backfill with the deployment's (old) model.
          await live([message(tenant, 25)], OLD);
        }
        next = sent[0];
      }
      return reports;
    };
    const reports = await chain({
      id: 'reembed:r1:c1:step:0',
      ts: '2026-12-03T05:00:00.000Z',
      src: 'admin',
      dst: `promethean.p.contract.t.${tenant}.jobs.migrations.reembed.step`,
      provider: 'contract',
      tenant,
      intent: 'jobs.migrations.reembed.step',
      payload: { migration_id: 'r1', chain: 'c1', seq: 0, start: { ...NEW, goal: 'cut_over' } },
    });
    const last = reports.at(-1)!.payload as Record<string, unknown>;
    expect(last).toMatchObject({
      phase: 'cut_over',
      from: 'old-embed/8',
      to: 'new-embed/16',
      lag: 0,
      more: false,
    });
    expect(last.copied).toBeGreaterThanOrEqual(25);
    expect((await search('duck fact 25')).pin).toEqual(NEW);
    expect((await search('duck fact 25')).top?.document).toBe('duck fact 25');

    // After cutover: a writer still on the old model writes only the old collection; the cron tick's tail
    // chain (the ledger lists the re-embed in cut_over) brings it over from the change log.
    await live([message(tenant, 26, 'heron fact 26')], OLD);
    const progress =
      ops.takeDelta({ worker: 'functions', isolate: 'test', at: Date.now(), health: [] }).migrations ?? [];
    expect(progress.map((m) => [m.kind, m.id, m.phase])).toEqual([['reembed', 'r1', 'cut_over']]);
    const tick = new PublishRecorder();
    expect(await scheduleReembedTails(tick, progress, Date.parse('2026-12-03T05:01:00.000Z'))).toBe(1);
    const tailReports = await chain(tick.published[0]);
    expect(tailReports.at(-1)!.payload).toMatchObject({ phase: 'cut_over', lag: 0, more: false });
    expect((await search('heron fact 26')).top).toMatchObject({ document: 'heron fact 26' });

    // A writer on the new model after cutover writes only the new collection; rollback brings it back.
    await live(
      [message(tenant, 3, 'goose fact three')].map((d) => ({
        ...updatedDocument(
          { provider: 'contract', tenant },
          {
            urn: d.urn,
            foreign_id: d.foreign_id,
            channel: { urn: `urn:contract:channel:${tenant}:c`, foreign_id: 'c' },
            is_direct: false,
            content: 'goose fact three',
            edited_at: '2026-01-02T00:00:00.000Z',
          },
        ),
      })),
      NEW,
    );
    const rolled = await reembed().reembedRollback();
    expect(rolled.state.phase).toBe('rolled_back');
    expect(rolled.state.back).toMatchObject({ reembedded: 1 });
    const after = await search('goose fact three');
    expect(after.pin).toEqual(OLD);
    expect(after.top).toMatchObject({ id: message(tenant, 3).urn, document: 'goose fact three' });

    // The migration's latency reaches /metrics through the ops ledger, as the admin routes report it.
    await reportMigration(
      env,
      reembedProgress({ provider: 'contract', tenant }, rolled.state, { lag: 0, at: Date.now() }),
    );
    const ADMIN = 'reembed-test-admin-token-0123456789abcdef0123456789';
    const { app } = await import('../../../functions/src/http-app.ts');
    const metrics = await (
      await app.request('/metrics', { headers: { authorization: `Bearer ${ADMIN}` } }, {
        ...env,
        ADMIN_TOKEN: ADMIN,
      } as FunctionsEnv)
    ).text();
    const l = `provider="contract",tenant="${tenant}",kind="reembed",id="r1"`;
    expect(metrics).toMatch(new RegExp(`promethean_migration_embed_latency_ms_count\\{${l}\\} [1-9]\\d*\\n`));
    expect(metrics).toMatch(
      new RegExp(`promethean_migration_chroma_upsert_latency_ms_count\\{${l}\\} [1-9]\\d*\\n`),
    );
    expect(metrics).toContain(`promethean_migration_embed_latency_ms{${l},quantile="0.95"}`);
    const chroma = new ChromaClient(chromaClientArgs(readStorageEnv(env).chromaUrl));
    for (const name of [rolled.state.from.name, rolled.state.to.name])
      await chroma.deleteCollection({ name });
  });
});

describe('re-embed admin routes (workerd)', () => {
  const ADMIN = 'reembed-route-admin-token-0123456789abcdef01234567';
  const adminEnv = { ...env, ADMIN_TOKEN: ADMIN } as FunctionsEnv;
  const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const path = '/admin/migrations/echo/demo/reembed';

  it('refuses unauthenticated calls, bad bodies, unknown tenants and steps without a re-embed', async () => {
    const { app } = await import('../../../functions/src/http-app.ts');
    const call = async (suffix: string, init: RequestInit = {}, at = path) => {
      const res = await app.request(`${at}${suffix}`, { headers, ...init }, adminEnv);
      return { status: res.status, text: await res.text() };
    };
    expect((await app.request(path, {}, adminEnv)).status).toBe(401);
    expect((await call('')).status).toBe(404);
    const bad = await call('', { method: 'POST', body: JSON.stringify({ id: 'r1', model: 'm' }) });
    expect(bad).toMatchObject({ status: 400 });
    expect(bad.text).toContain('dimension');
    expect((await call('', {}, '/admin/migrations/echo/nobody/reembed')).status).toBe(404);
    const step = await call('/step', { method: 'POST' });
    expect(step.status).toBe(409);
    expect(step.text).toContain('has no re-embed');
    expect((await call('/rollback', { method: 'POST' })).status).toBe(409);
    expect((await call('/explode', { method: 'POST' })).status).toBe(404);
  });
});
