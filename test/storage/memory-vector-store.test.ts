import type { DocumentScope } from '@promethean/shared/effects/document-validation';
import { MemoryVectorStore } from '@promethean/shared/effects/memory-vector-store';
import { describeVectorStoreContract } from './vector-store-contract.ts';

const stores = new Map<string, MemoryVectorStore>();

describeVectorStoreContract('in-memory', {
  store: (scope: DocumentScope) => {
    const key = `${scope.provider}/${scope.tenant}`;
    let store = stores.get(key);
    if (!store) {
      store = new MemoryVectorStore(scope.provider, scope.tenant);
      stores.set(key, store);
    }
    return store;
  },
});
