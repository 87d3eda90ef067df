import { describe, expect, it } from 'vitest';
import { mergeDocument, type StoredDocument } from './document-store.ts';

const doc = (slot: string, version: string, value: unknown): StoredDocument => ({
  provider: 'discord',
  tenant: 'duck',
  foreign_id: '1',
  urn: 'urn:discord:message:duck:1',
  index: { channel_id: 'c' },
  slots: { [slot]: { version, value } },
});

describe('mergeDocument', () => {
  it('copies what it takes from the incoming document, so the caller may change its own afterwards', () => {
    const incoming = doc('created', '1', { content: 'hi' });
    const first = mergeDocument(undefined, incoming);
    const edit = doc('edit', '2', { content: 'edited' });
    const second = mergeDocument(first.doc, edit);
    (incoming.slots.created!.value as { content: string }).content = 'changed by the caller';
    (edit.slots.edit!.value as { content: string }).content = 'changed by the caller';
    expect(second.doc.slots.created!.value).toEqual({ content: 'hi' });
    expect(second.doc.slots.edit!.value).toEqual({ content: 'edited' });
  });

  it('takes an owned incoming document as it is, with the same merge result', () => {
    const incoming = doc('created', '1', { content: 'hi' });
    const first = mergeDocument(undefined, incoming, { owned: true });
    expect(first).toEqual({ doc: incoming, changed: true });
    expect(first.doc).toBe(incoming);
    const edit = doc('edit', '2', { content: 'edited' });
    const second = mergeDocument(first.doc, edit, { owned: true });
    expect(second.changed).toBe(true);
    expect(second.doc.slots.edit).toBe(edit.slots.edit);
    // The earlier result is not changed by merging into it.
    expect(Object.keys(first.doc.slots)).toEqual(['created']);
    expect(mergeDocument(second.doc, doc('edit', '1', { content: 'older' }), { owned: true }).changed).toBe(
      false,
    );
  });
});
