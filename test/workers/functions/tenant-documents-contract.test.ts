/** TenantDocuments inside workerd: its marker and layout as describeStorage() answers them, validated against the contracts. */
import { env } from 'cloudflare:workers';
import { dataContracts } from '@promethean/shared/migrations/contracts/contract-catalog';
import type { DocumentCollectionContract } from '@promethean/shared/migrations/contracts/data-contract';
import {
  type SqliteSchemaDump,
  validateSqliteStore,
} from '@promethean/shared/migrations/contracts/sqlite-contract-validator';
import { describe, expect, it } from 'vitest';
import { documentObjectName } from '../../../functions/storage/document-object-name.ts';
import { DurableObjectDocumentStore } from '../../../functions/storage/durable-object-document-store.ts';

const contracts = [...dataContracts().values()].filter(
  (c): c is DocumentCollectionContract => c.kind === 'document-collection',
);

describe('TenantDocuments storage description', () => {
  it('is marked with DATA_TARGET and matches the document contracts', async () => {
    const scope = { provider: 'contract', tenant: `describe-${Math.random().toString(36).slice(2, 8)}` };
    const store = new DurableObjectDocumentStore(env.TENANT_DOCUMENTS, scope.provider, scope.tenant);
    await store.upsertMany('jobs', [
      {
        ...scope,
        foreign_id: 'job-1',
        urn: `urn:contract:job:${scope.tenant}:job-1`,
        index: { kind: 'test' },
        slots: { state: { version: '1', value: { ok: true } } },
      },
    ]);
    const stub = env.TENANT_DOCUMENTS.get(env.TENANT_DOCUMENTS.idFromName(documentObjectName(scope)));
    // The RPC type cannot carry `unknown` slot values; the object answers a plain SqliteSchemaDump.
    const dump = (await stub.describeStorage()) as unknown as SqliteSchemaDump & { target?: string };
    expect(dump.target).toBe('test');
    expect(dump.samples.jobs).toHaveLength(1);
    expect(validateSqliteStore(dump, contracts, documentObjectName(scope))).toEqual([]);
  });
});
