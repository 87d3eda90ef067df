import { OfflineModelPort } from '@promethean/functions/models/offline-model-port';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { type CrawlRecord, pageDocument } from '@promethean/shared/web/page-graph';
import { describe, expect, it, vi } from 'vitest';
import { type PassPageRef, summarizeStoredPage } from '../web-summarizer/page-summary-step.ts';
import { tagAndIndexPage } from './page-tag-step.ts';

const scope = { provider: 'echo', tenant: 'demo' };
const id = 'p0123456789abcdef0123456789abcdef';
const record: CrawlRecord = {
  url: 'https://docs.example.com/guide',
  status: 200,
  media_type: 'text/html',
  charset: 'utf-8',
  bytes: 1200,
  fetched_at: '2026-12-03T10:00:00.000Z',
  elapsed_ms: 12,
  content_sha256: 'a'.repeat(64),
  simhash: '0123456789abcdef',
  lead: 'fedcba9876543210',
  title: 'Getting started with the pond',
  text: 'The pond guide explains how ducks find food, shelter and company near calm water. '.repeat(8),
  out_links: 0,
  noindex: false,
  job_id: 'job-1',
};
const ref: PassPageRef = {
  job_id: 'job-1',
  page_id: id,
  url: record.url,
  content_sha256: record.content_sha256,
  fetched_at: record.fetched_at,
};

async function summarized() {
  const documents = new MemoryDocumentStore(scope);
  await documents.upsertMany('pages', [pageDocument(scope, id, 'docs.example.com', record)]);
  const ports = { documents, models: new OfflineModelPort(), vectors: new MemoryVectorStore('echo', 'demo') };
  expect((await summarizeStoredPage(ports, scope, ref)).kind).toBe('summarized');
  return ports;
}

describe('tagAndIndexPage', () => {
  it('stores the tags and the vector slot in one document write, after the vector', async () => {
    const ports = await summarized();
    const writes = vi.spyOn(ports.documents, 'upsertMany');
    const step = await tagAndIndexPage(ports, scope, ref);
    expect(step).toMatchObject({ kind: 'indexed', wrote_tags: true, wrote_vector: true });
    expect(writes).toHaveBeenCalledTimes(1);
    const doc = await ports.documents.get('pages', id);
    expect(doc?.slots.tags?.value).toMatchObject({ content_sha256: record.content_sha256 });
    expect(doc?.slots.vector?.value).toMatchObject({ content_sha256: record.content_sha256 });
    // A redelivery finds both and writes nothing.
    const again = await tagAndIndexPage(ports, scope, ref);
    expect(again).toMatchObject({ kind: 'indexed', wrote_tags: false, wrote_vector: false });
    expect(writes).toHaveBeenCalledTimes(1);
  });

  it('stores no tags when the vector write fails, and makes them again on the next run', async () => {
    const ports = await summarized();
    const upsert = vi.spyOn(ports.vectors, 'upsert').mockRejectedValue(new Error('chroma down'));
    await expect(tagAndIndexPage(ports, scope, ref)).rejects.toThrow('chroma down');
    expect((await ports.documents.get('pages', id))?.slots.tags).toBeUndefined();
    upsert.mockRestore();
    const step = await tagAndIndexPage(ports, scope, ref);
    expect(step).toMatchObject({ kind: 'indexed', wrote_tags: true, wrote_vector: true });
    expect(await ports.vectors.count('web_summaries')).toBe(1);
  });

  it('writes only the vector slot when the tags for this text are already stored', async () => {
    const ports = await summarized();
    await tagAndIndexPage(ports, scope, ref);
    const writes = vi.spyOn(ports.documents, 'upsertMany');
    const step = await tagAndIndexPage(ports, scope, ref, { rewrite_vector: true });
    expect(step).toMatchObject({ kind: 'indexed', wrote_tags: false, wrote_vector: true });
    expect(Object.keys(writes.mock.calls[0]?.[1][0]?.slots ?? {})).toEqual(['vector']);
  });
});
