import type { StoredDocument } from '@promethean/shared/effects/document-store';
import { DECLARED_VECTOR_METADATA_KEYS } from '@promethean/shared/effects/vector-schema';
import { describe, expect, it } from 'vitest';
import type { MessageView } from '../message-indexer/message-document.ts';
import { metadataOf } from './message-vector-source.ts';

// The vector store writes the declared keys and nothing else (a null clears one): a key metadataOf adds
// without declaring it would be refused, and a declared key it can no longer set would only ever be null.
describe('message vector metadata', () => {
  it('sets exactly the keys the messages vector contract declares when the message has everything', () => {
    const view: MessageView = {
      urn: 'urn:discord:message:g:1',
      foreign_id: '1',
      channel_id: 'c',
      author: { foreign_id: 'a', name: 'ada', bot: false },
      content: 'text',
      created_at: '2026-12-03T10:00:00.000Z',
      edited_at: '2026-12-03T10:01:00.000Z',
      deleted: false,
    };
    const doc = { index: { channel_id: 'c', space_id: 'g' } } as unknown as StoredDocument;
    expect(Object.keys(metadataOf(view, doc)).sort()).toEqual(
      [...(DECLARED_VECTOR_METADATA_KEYS.messages ?? [])].sort(),
    );
  });

  it('sets only required keys for a bare message, all of them declared', () => {
    const view: MessageView = { urn: 'urn:x', foreign_id: '1', channel_id: 'c', deleted: false };
    const keys = Object.keys(metadataOf(view, { index: {} } as unknown as StoredDocument));
    expect(keys).toEqual(['urn', 'channel_id']);
    for (const key of keys) expect(DECLARED_VECTOR_METADATA_KEYS.messages).toContain(key);
  });
});
