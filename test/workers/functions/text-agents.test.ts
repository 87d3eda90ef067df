/**
 * The text agents on the functions Worker's real wiring inside workerd: TenantDocuments, Chroma,
 * R2 (BLOBS), the offline models and the guarded egress, as `createFunctionsRuntime` builds them.
 */
import { env } from 'cloudflare:workers';
import { invokeAgent } from '@promethean/shared/agent/agent-invocation';
import { RecordingSink } from '@promethean/shared/agent/telemetry';
import { ProviderRegistry } from '@promethean/shared/platform/provider-registry';
import { PublishRecorder } from '@promethean/test/harness/recording-runtime';
import { describe, expect, it } from 'vitest';
import { attachmentIndexer } from '../../../functions/agents/attachment-indexer/handler.ts';
import { cephalon } from '../../../functions/agents/cephalon/handler.ts';
import { messageEmbedder } from '../../../functions/agents/message-embedder/handler.ts';
import { R2BlobStore } from '../../../functions/blobs/r2-blob-store.ts';
import { createFunctionsRuntime } from '../../../functions/src/runtime-dependencies.ts';
import { tenantEffectPorts } from '../../../functions/src/tenant-effect-ports.ts';

const tenant = `text-${Math.random().toString(36).slice(2, 8)}`;
const registry = ProviderRegistry.fromYaml(`
version: 1
providers:
  echo:
    adapter: echo
    tenants:
      ${tenant}: { settings: { bot_user_id: '100' } }
`);

/** The Worker's own runtime, with a registry holding a fresh tenant and a broker that only records. */
function runtime() {
  const recorder = new PublishRecorder();
  const sink = new RecordingSink();
  const deps = { ...createFunctionsRuntime(env).deps, registry, broker: recorder, sink };
  return { deps, recorder, sink };
}

const ref = (kind: string, id: string) => ({ urn: `urn:echo:${kind}:${tenant}:${id}`, foreign_id: id });
function created(id: string, content: string, extra: Record<string, unknown> = {}) {
  return {
    id: `in-${id}`,
    ts: '2026-11-20T10:00:00.000Z',
    src: 'echo-access',
    dst: `promethean.p.echo.t.${tenant}.events.SocialMessageCreated`,
    provider: 'echo',
    tenant,
    intent: 'SocialMessageCreated',
    payload: {
      ...ref('message', id),
      channel: ref('channel', 'general'),
      author: { ...ref('user', '42'), name: 'ada', bot: false },
      content,
      created_at: `2026-11-20T09:5${id.slice(-1)}:00.000Z`,
      ...extra,
    },
  };
}

describe('text agents on the Worker wiring', () => {
  it('embeds into Chroma, then answers a mention from what it retrieved (offline, labelled)', async () => {
    const rt = runtime();
    for (const [id, text] of [
      ['901', 'the pond freezes in january'],
      ['902', 'ducks like peas and lettuce'],
      ['903', 'lunch is at noon'],
    ] as const) {
      expect((await invokeAgent(messageEmbedder, created(id, text), rt.deps)).outcome).toBe('ok');
    }
    const mention = created('904', '<@100> what do ducks like?', {
      mentions: { users: ['100'], roles: [], everyone: false, bot: true },
    });
    expect((await invokeAgent(cephalon, mention, rt.deps)).outcome).toBe('ok');
    const post = rt.recorder.published.find((e) => e.intent === 'PostMessage');
    expect(post?.payload).toMatchObject({
      mention_users: [],
      reply_to: '904',
      content: expect.stringMatching(/^\[offline\].*ducks like peas and lettuce/),
    });
    expect(post?.models).toEqual([
      { role: 'embed', name: 'offline-embed', offline: true },
      { role: 'llm', name: 'offline-llm', offline: true, finish_reason: 'stop' },
    ]);
  });

  it('refuses a metadata-address attachment and records it in TenantDocuments', async () => {
    const rt = runtime();
    const message = created('911', 'x', {
      attachments: [
        {
          ...ref('attachment', '5001'),
          url: 'http://169.254.169.254/latest/meta-data/',
          filename: 'creds.png',
          content_type: 'image/png',
          size: 10,
        },
      ],
    });
    expect((await invokeAgent(attachmentIndexer, message, rt.deps)).outcome).toBe('ok');
    const indexed = rt.recorder.published.find((e) => e.intent === 'attachment.indexed');
    expect(indexed?.payload).toMatchObject({ status: 'refused', refusal: { reason: 'blocked_address' } });
  });

  it("keeps each tenant's blobs under its own prefix in R2", async () => {
    const store = new R2BlobStore(env.BLOBS, 'echo', tenant);
    await store.put('attachments/sha256/abc', new Uint8Array([1, 2, 3]), 'image/png');
    expect(await store.get('attachments/sha256/abc')).toEqual(new Uint8Array([1, 2, 3]));
    expect(
      await new R2BlobStore(env.BLOBS, 'echo', 'someone-else').get('attachments/sha256/abc'),
    ).toBeUndefined();
    const object = await env.BLOBS.get(`echo/${tenant}/attachments/sha256/abc`);
    expect(object?.httpMetadata?.contentType).toBe('image/png');
  });

  it('reads the egress settings per call and refuses trusted origins outside development', async () => {
    const view = registry.tenant('echo', tenant);
    // PROMETHEAN_ENV as wrangler.toml deploys it (this project does not override it).
    expect(env.PROMETHEAN_ENV).toBe('production');
    const prod = { ...env, SSRF_TRUSTED_ORIGINS: 'http://127.0.0.1:9999' };
    for (const other of [{ PROMETHEAN_ENV: 'staging' }, { PROMETHEAN_ENV: undefined }]) {
      const ports = tenantEffectPorts({ ...prod, ...other } as unknown as FunctionsEnv, view);
      await expect(
        ports.egress?.fetchAttachment('http://127.0.0.1:9999/a.png', {
          max_bytes: 10,
          allowed_content_types: ['image/*'],
          timeout_ms: 100,
        }),
      ).rejects.toMatchObject({ name: 'EgressConfigurationError' });
    }
    const ports = tenantEffectPorts(prod as unknown as FunctionsEnv, view);
    await expect(
      ports.egress?.fetchAttachment('http://127.0.0.1:9999/a.png', {
        max_bytes: 10,
        allowed_content_types: ['image/*'],
        timeout_ms: 100,
      }),
    ).rejects.toMatchObject({
      name: 'EgressConfigurationError',
      message: expect.stringContaining('production'),
    });
    const container = { ...env, ATTACHMENT_EGRESS: 'container' };
    const noHost = tenantEffectPorts(container as unknown as FunctionsEnv, view);
    await expect(
      noHost.egress?.fetchAttachment('https://cdn.example.com/a.png', {
        max_bytes: 10,
        allowed_content_types: ['image/*'],
        timeout_ms: 100,
      }),
    ).rejects.toMatchObject({ message: expect.stringContaining('VOICE_HOST_URL') });
  });
});
