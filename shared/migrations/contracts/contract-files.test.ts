import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { staleContracts } from '../../../scripts/contracts.ts';
import { contractFiles, documentContract, MessageSlotSchemas } from './contract-catalog.ts';
import { DocumentCollectionContract, VectorCollectionContract } from './data-contract.ts';

const dir = join(import.meta.dirname, '..', '..', '..', 'schemas', 'contracts');

describe('data contracts', () => {
  it('every committed contract equals what the zod schemas give (contracts are law: change both together)', async () => {
    expect(await staleContracts()).toEqual([]);
  });

  it('every contract file parses as a contract', async () => {
    for (const name of contractFiles().keys()) {
      const parsed = JSON.parse(await readFile(join(dir, name), 'utf8')) as { kind: string };
      const schema =
        parsed.kind === 'vector-collection' ? VectorCollectionContract : DocumentCollectionContract;
      expect(() => schema.parse(parsed), name).not.toThrow();
    }
  });

  it('a slot schema change without its contract fails the check, naming the contract', async () => {
    const files = contractFiles();
    // The same derivation over a changed slot schema: a new required field on the tombstone slot.
    const changed = documentContract(
      'messages',
      {
        ...MessageSlotSchemas,
        deleted: MessageSlotSchemas.deleted.extend({ reason: z.string() }),
      },
      [],
    );
    files.set('documents.messages.contract.json', `${JSON.stringify(changed, null, 2)}\n`);
    expect(await staleContracts(files)).toEqual(['documents.messages.contract.json is stale']);
  });

  it('a contract whose schema is gone is reported', async () => {
    const files = contractFiles();
    files.delete('documents.voice.contract.json');
    expect(await staleContracts(files)).toEqual(['documents.voice.contract.json has no contract any more']);
  });
});
