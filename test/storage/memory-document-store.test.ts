import type { DocumentScope } from '@promethean/shared/effects/document-validation';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { describeDocumentStoreContract } from './document-store-contract.ts';

const stores = new Map<string, MemoryDocumentStore>();

describeDocumentStoreContract('in-memory', {
  // One store per tenant, like one database per tenant: every writer of a tenant reaches the same data.
  store: (scope: DocumentScope) => {
    const key = `${scope.provider}/${scope.tenant}`;
    let store = stores.get(key);
    if (!store) {
      store = new MemoryDocumentStore(scope);
      stores.set(key, store);
    }
    return store;
  },
});
