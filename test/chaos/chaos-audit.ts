/**
 * Compares every store with what the workload put in, after a chaos run: documents (each tenant's own
 * store), message and attachment vectors (read from Chroma directly, not through the adapter), attachment
 * blobs, the replies the access layer was asked to post, and the backfill (the fake Discord's history).
 * Anything missing or stale is lost; anything stored or posted more than once is duplicated.
 */

import type { BrokerEvent } from '@promethean/shared/broker/broker-metrics';
import { chromaClientArgs } from '@promethean/shared/effects/chroma-vector-store';
import type { DocumentStore } from '@promethean/shared/effects/document-store';
import type { BlobStore } from '@promethean/shared/effects/effect-ports';
import { vectorCollectionName } from '@promethean/shared/effects/vector-schema';
import { sha256Hex } from '@promethean/shared/platform/sha256-hex';
import { ChromaClient } from 'chromadb';
import { blobKeyFor, storedOutcome } from '../../functions/agents/attachment-indexer/attachment-document.ts';
import { messageView } from '../../functions/agents/message-indexer/message-document.ts';
import type { RecordedPost } from './chaos-access-port.ts';
import type { ChaosTenant, ExpectedMessage } from './chaos-workload.ts';

export interface Finding {
  kind: 'lost' | 'duplicated' | 'unexpected';
  tenant: string;
  what: string;
}

/** One tenant's stores and what should be in them. */
export interface TenantUnderAudit {
  tenant: ChaosTenant;
  documents: DocumentStore;
  blobs: BlobStore;
  posts: ReadonlyMap<string, RecordedPost>;
  live: readonly ExpectedMessage[];
  /** Backfilled history (id → text), when this tenant ran the backfill. */
  history: ReadonlyMap<string, string>;
}

export interface AuditResult {
  lost: number;
  duplicated: number;
  unexpected: number;
  findings: Finding[];
  stored: Record<string, { documents: number; message_vectors: number; attachment_vectors: number }>;
}

export interface StoredVector {
  document: string;
}

async function vectorsOf(chromaUrl: string, t: ChaosTenant, collection: 'messages' | 'attachments') {
  const client = new ChromaClient(chromaClientArgs(chromaUrl));
  const name = vectorCollectionName(t.provider, t.tenant, collection);
  const all = new Map<string, StoredVector>();
  const col = await client.getCollection({ name }).catch(() => undefined);
  if (!col) return all;
  const total = await col.count();
  for (let offset = 0; offset < total; offset += 1_000) {
    const page = await col.get({ limit: 1_000, offset, include: ['documents'] });
    for (const [i, id] of page.ids.entries()) all.set(id, { document: page.documents[i] ?? '' });
  }
  return all;
}

async function auditDocuments(u: TenantUnderAudit, add: (kind: Finding['kind'], what: string) => void) {
  const docs = await u.documents.find('messages', {}, { limit: 10_000, includeDeleted: true });
  const byId = new Map(docs.map((d) => [d.foreign_id, messageView(d)]));
  for (const m of u.live) {
    const view = byId.get(m.foreign_id);
    if (!view) add('lost', `document of message ${m.foreign_id} missing`);
    else if (view.deleted !== m.deleted)
      add('lost', `message ${m.foreign_id}: deleted=${view.deleted}, expected ${m.deleted}`);
    else if (view.content !== m.content)
      add('lost', `message ${m.foreign_id}: stale text (an edit was lost)`);
  }
  for (const [id, text] of u.history) {
    const view = byId.get(id);
    if (!view) add('lost', `backfilled message ${id} missing`);
    else if (view.content !== text) add('lost', `backfilled message ${id}: text differs`);
  }
  const expected = new Set([...u.live.map((m) => m.foreign_id), ...u.history.keys()]);
  for (const id of byId.keys()) if (!expected.has(id)) add('unexpected', `document ${id} that no input made`);
  const counted = await u.documents.count('messages', { includeDeleted: true });
  for (let i = expected.size; i < counted; i++)
    add('duplicated', `messages collection holds ${counted} for ${expected.size}`);
  return counted;
}

async function auditMessageVectors(
  u: TenantUnderAudit,
  vectors: Map<string, StoredVector>,
  add: (kind: Finding['kind'], what: string) => void,
) {
  const want = new Map<string, string>();
  for (const m of u.live) if (!m.deleted && m.content.trim() !== '') want.set(m.urn, m.content.trim());
  for (const [id, text] of u.history) {
    if (text.trim() !== '')
      want.set(`urn:${u.tenant.provider}:message:${u.tenant.tenant}:${id}`, text.trim());
  }
  for (const [urn, text] of want) {
    const v = vectors.get(urn);
    if (!v) add('lost', `vector of ${urn} missing`);
    else if (v.document !== text) add('lost', `vector of ${urn} embeds stale text`);
  }
  for (const m of u.live)
    if (m.deleted && vectors.has(m.urn))
      add('lost', `vector of deleted ${m.urn} remains (a delete was lost)`);
  for (const id of vectors.keys()) {
    if (!want.has(id) && !u.live.some((m) => m.urn === id))
      add('duplicated', `vector ${id} that no message explains`);
  }
}

async function auditAttachments(
  u: TenantUnderAudit,
  vectors: Map<string, StoredVector>,
  add: (kind: Finding['kind'], what: string) => void,
) {
  const urns = new Set<string>();
  for (const m of u.live) {
    for (const a of m.attachments) {
      urns.add(a.urn);
      const doc = await u.documents.get('attachments', a.foreign_id);
      const outcome = storedOutcome(doc);
      const sha = await sha256Hex(a.bytes);
      if (!doc) add('lost', `attachment ${a.foreign_id} not indexed`);
      else if (outcome?.status !== 'stored' || outcome.stored.sha256 !== sha) {
        add('lost', `attachment ${a.foreign_id}: outcome ${JSON.stringify(outcome)?.slice(0, 120)}`);
      }
      const blob = await u.blobs.get(blobKeyFor(sha));
      if (!blob || Buffer.compare(Buffer.from(blob), Buffer.from(a.bytes)) !== 0)
        add('lost', `attachment ${a.foreign_id}: bytes not stored`);
      if (!m.deleted && !vectors.has(a.urn)) add('lost', `vector of attachment ${a.urn} missing`);
      if (m.deleted && vectors.has(a.urn))
        add('lost', `vector of ${a.urn} remains after its message was deleted`);
    }
  }
  for (const id of vectors.keys())
    if (!urns.has(id)) add('duplicated', `attachment vector ${id} that no attachment explains`);
}

function auditReplies(u: TenantUnderAudit, add: (kind: Finding['kind'], what: string) => void) {
  const keysByMessage = new Map<string, string[]>();
  for (const post of u.posts.values()) {
    const target = post.reply_to ?? '(none)';
    keysByMessage.set(target, [...(keysByMessage.get(target) ?? []), post.idempotency_key]);
  }
  for (const m of u.live.filter((x) => x.mentions_bot)) {
    const keys = keysByMessage.get(m.foreign_id) ?? [];
    if (keys.length === 0) add('lost', `mention ${m.foreign_id} got no reply`);
    for (let i = 1; i < keys.length; i++)
      add('duplicated', `mention ${m.foreign_id} answered under ${keys.length} keys`);
    keysByMessage.delete(m.foreign_id);
  }
  for (const [target, keys] of keysByMessage)
    add('unexpected', `${keys.length} replies to ${target}, which asked for none`);
}

/** The backfill job published exactly one `done` (redeliveries carry the same envelope id). */
export function auditBackfillDone(events: readonly BrokerEvent[]): Finding[] {
  const ids = new Set(
    events
      .filter((e) => e.kind === 'publish' && e.topic.endsWith('.jobs.backfill.messages.done'))
      .map((e) => e.envelope_id),
  );
  if (ids.size === 1) return [];
  if (ids.size === 0)
    return [{ kind: 'lost', tenant: 'duck', what: 'the backfill job never published done' }];
  return [{ kind: 'duplicated', tenant: 'duck', what: `the backfill job finished ${ids.size} times` }];
}

/** Vector ids and texts of one tenant, by collection (read from Chroma, or given by a test). */
export interface TenantVectors {
  messages: Map<string, StoredVector>;
  attachments: Map<string, StoredVector>;
}

/** Audits one tenant against its stores and vectors; adds what is wrong to `findings`. */
export async function auditTenant(u: TenantUnderAudit, vectors: TenantVectors, findings: Finding[]) {
  const add = (kind: Finding['kind'], what: string) => findings.push({ kind, tenant: u.tenant.tenant, what });
  const documents = await auditDocuments(u, add);
  await auditMessageVectors(u, vectors.messages, add);
  await auditAttachments(u, vectors.attachments, add);
  auditReplies(u, add);
  return { documents, message_vectors: vectors.messages.size, attachment_vectors: vectors.attachments.size };
}

/** Tallies findings by kind. */
export function auditResult(findings: Finding[], stored: AuditResult['stored']): AuditResult {
  const count = (kind: Finding['kind']) => findings.filter((f) => f.kind === kind).length;
  return {
    lost: count('lost'),
    duplicated: count('duplicated'),
    unexpected: count('unexpected'),
    findings,
    stored,
  };
}

export async function auditStores(
  chromaUrl: string,
  tenants: readonly TenantUnderAudit[],
  events: readonly BrokerEvent[],
): Promise<AuditResult> {
  const findings: Finding[] = [...auditBackfillDone(events)];
  const stored: AuditResult['stored'] = {};
  for (const u of tenants) {
    const [messages, attachments] = await Promise.all([
      vectorsOf(chromaUrl, u.tenant, 'messages'),
      vectorsOf(chromaUrl, u.tenant, 'attachments'),
    ]);
    stored[u.tenant.tenant] = await auditTenant(u, { messages, attachments }, findings);
  }
  return auditResult(findings, stored);
}
