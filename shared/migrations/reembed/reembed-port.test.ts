import { describe, expect, it } from 'vitest';
import { MemoryDocumentStore } from '../../effects/memory-document-store.ts';
import { reembedPort } from './reembed-port.ts';
import { writeRouting } from './vector-routing.ts';

const scope = { provider: 'contract', tenant: 'port' };
const OLD = { model: 'old-embed', dimension: 64 };

function portOn(documents: MemoryDocumentStore) {
  return reembedPort({
    scope,
    documents,
    changeLog: () => documents,
    // Never reached: these steps stop before any collection is opened.
    chromaUrl: 'http://127.0.0.1:9',
    embedderFor: () => async () => {
      throw new Error('no embedding expected');
    },
    currentPin: async () => OLD,
    sourceOf: () => ({ id: 'x', skip: 'deleted' }),
    target: 'test',
  });
}

describe('reembedPort.reembedStepIfCurrent', () => {
  it('answers undefined for a re-embed the routing does not name (a leftover chain stops)', async () => {
    const documents = new MemoryDocumentStore(scope);
    const port = portOn(documents);
    expect(await port.reembedStepIfCurrent('first')).toBeUndefined();
    const read = { name: 'c', spec: OLD };
    await writeRouting(documents, scope, 'messages', { read, write: [read], migration_id: 'second' }, 0);
    expect(await port.reembedStepIfCurrent('first')).toBeUndefined();
  });

  it('refuses the current re-embed when its state is missing', async () => {
    const documents = new MemoryDocumentStore(scope);
    const read = { name: 'c', spec: OLD };
    await writeRouting(documents, scope, 'messages', { read, write: [read], migration_id: 'second' }, 0);
    await expect(portOn(documents).reembedStepIfCurrent('second')).rejects.toThrow(/has no re-embed/);
  });
});
