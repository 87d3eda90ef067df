/** The chaos audit itself: a store that matches passes, and each kind of loss or duplication is named. */
import { SocialMessageCreated, SocialMessageUpdated } from '@promethean/schemas/events/social-message';
import type { BrokerEvent } from '@promethean/shared/broker/broker-metrics';
import { MemoryBlobStore } from '@promethean/shared/effects/memory-blob-store';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { sha256Hex } from '@promethean/shared/platform/sha256-hex';
import { describe, expect, it } from 'vitest';
import {
  attachmentDocument,
  blobKeyFor,
} from '../../functions/agents/attachment-indexer/attachment-document.ts';
import { createdDocument, updatedDocument } from '../../functions/agents/message-indexer/message-document.ts';
import type { RecordedPost } from './chaos-access-port.ts';
import { auditBackfillDone, auditTenant, type Finding, type TenantVectors } from './chaos-audit.ts';
import { CHAOS_TENANTS, type ExpectedMessage } from './chaos-workload.ts';

const duck = CHAOS_TENANTS[0]!;
const scope = { provider: 'discord', tenant: 'duck' };
const ref = (kind: string, id: string) => ({ urn: `urn:discord:${kind}:duck:${id}`, foreign_id: id });
const bytes = new TextEncoder().encode('notes\n');

function expected(id: string, over: Partial<ExpectedMessage> = {}): ExpectedMessage {
  return {
    tenant: 'duck',
    ...ref('message', id),
    channel_id: 'c1',
    author_name: 'ada',
    content: `text of ${id}`,
    deleted: false,
    mentions_bot: false,
    attachments: [],
    ...over,
  };
}

async function rig(messages: ExpectedMessage[], history = new Map<string, string>()) {
  const documents = new MemoryDocumentStore(scope);
  const blobs = new MemoryBlobStore();
  const vectors: TenantVectors = { messages: new Map(), attachments: new Map() };
  const posts = new Map<string, RecordedPost>();
  for (const m of messages) {
    const payload = SocialMessageCreated.payload.parse({
      ...ref('message', m.foreign_id),
      channel: ref('channel', m.channel_id),
      author: { ...ref('user', m.author_name), name: m.author_name },
      content: m.content,
      created_at: '2026-11-20T10:00:00.000Z',
    });
    await documents.upsertMany('messages', [createdDocument(scope, payload)]);
    vectors.messages.set(m.urn, { document: m.content });
    for (const a of m.attachments) {
      const sha256 = await sha256Hex(a.bytes);
      await blobs.put(blobKeyFor(sha256), a.bytes, 'text/plain');
      const att = {
        urn: a.urn,
        foreign_id: a.foreign_id,
        url: a.url,
        filename: 'a.txt',
        size: a.bytes.length,
      };
      const origin = {
        ...ref('message', m.foreign_id),
        channel: ref('channel', m.channel_id),
        content: m.content,
        posted_at: '1',
      };
      const outcome = {
        status: 'stored' as const,
        stored: { sha256, blob_key: blobKeyFor(sha256), content_type: 'text/plain', size: a.bytes.length },
      };
      await documents.upsertMany('attachments', [attachmentDocument(scope, origin, att, outcome)]);
      vectors.attachments.set(a.urn, { document: 'notes' });
    }
    if (m.mentions_bot) {
      const key = `reply:${m.urn}`;
      posts.set(key, {
        idempotency_key: key,
        channel_id: m.channel_id,
        reply_to: m.foreign_id,
        content: 'hi',
        attempts: 1,
      });
    }
  }
  for (const [id, text] of history) {
    const payload = SocialMessageCreated.payload.parse({
      ...ref('message', id),
      channel: ref('channel', 'h'),
      author: { ...ref('user', 'seed'), name: 'seed' },
      content: text,
      created_at: '2026-11-20T09:00:00.000Z',
    });
    await documents.upsertMany('messages', [createdDocument(scope, payload)]);
    vectors.messages.set(payload.urn, { document: text });
  }
  const audit = async () => {
    const findings: Finding[] = [];
    await auditTenant({ tenant: duck, documents, blobs, posts, live: messages, history }, vectors, findings);
    return findings.map((f) => `${f.kind}: ${f.what}`);
  };
  return { documents, blobs, vectors, posts, audit };
}

const attachment = {
  ...ref('attachment', '5'),
  url: 'http://127.0.0.1:1/files/5.txt',
  path: '/files/5.txt',
  bytes,
};

describe('the chaos audit', () => {
  it('finds nothing wrong when every store matches the input', async () => {
    const r = await rig(
      [expected('1'), expected('2', { mentions_bot: true }), expected('3', { attachments: [attachment] })],
      new Map([['100', 'old history']]),
    );
    expect(await r.audit()).toEqual([]);
  });

  it('names a missing document, a lost edit, a lost vector, a missing reply and missing attachment bytes', async () => {
    const messages = [
      expected('1'),
      expected('2', { mentions_bot: true }),
      expected('3', { attachments: [attachment] }),
    ];
    const r = await rig(messages, new Map([['100', 'old history']]));
    const edited = SocialMessageUpdated.payload.parse({
      ...ref('message', '1'),
      channel: ref('channel', 'c1'),
      content: 'late edit',
      edited_at: '2026-11-20T10:00:01.000Z',
    });
    await r.documents.upsertMany('messages', [updatedDocument(scope, edited)]);
    r.vectors.messages.delete(messages[1]!.urn);
    r.posts.clear();
    const withMissing = [...messages, expected('4')];
    const findings: Finding[] = [];
    await auditTenant(
      {
        tenant: duck,
        documents: r.documents,
        blobs: new MemoryBlobStore(),
        posts: r.posts,
        live: withMissing,
        history: new Map([
          ['100', 'old history'],
          ['101', 'never fetched'],
        ]),
      },
      r.vectors,
      findings,
    );
    expect(findings.filter((f) => f.kind === 'lost').map((f) => f.what)).toEqual([
      'message 1: stale text (an edit was lost)',
      'document of message 4 missing',
      'backfilled message 101 missing',
      'vector of urn:discord:message:duck:2 missing',
      'vector of urn:discord:message:duck:4 missing',
      'vector of urn:discord:message:duck:101 missing',
      'attachment 5: bytes not stored',
      'mention 2 got no reply',
    ]);
  });

  it('counts a message stored or answered twice as duplicated', async () => {
    const r = await rig([expected('1', { mentions_bot: true })]);
    r.vectors.messages.set('urn:discord:message:duck:1-copy', { document: 'text of 1' });
    r.posts.set('second-key', {
      idempotency_key: 'second-key',
      channel_id: 'c1',
      reply_to: '1',
      content: 'hi',
      attempts: 1,
    });
    expect(await r.audit()).toEqual([
      'duplicated: vector urn:discord:message:duck:1-copy that no message explains',
      'duplicated: mention 1 answered under 2 keys',
    ]);
  });

  it('wants exactly one backfill done', () => {
    const done = (id: string): BrokerEvent => ({
      seq: 1,
      at: 0,
      kind: 'publish',
      topic: 'promethean.p.discord.t.duck.jobs.backfill.messages.done',
      envelope_id: id,
    });
    expect(auditBackfillDone([done('a'), done('a')])).toEqual([]);
    expect(auditBackfillDone([])).toMatchObject([{ kind: 'lost' }]);
    expect(auditBackfillDone([done('a'), done('b')])).toMatchObject([{ kind: 'duplicated' }]);
  });
});
