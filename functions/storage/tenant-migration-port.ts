/** The `storage.migrations` port of one tenant on this Worker: its store move over both document backends. */
import { type MigrationPort, storeMovePort } from '@promethean/shared/migrations/store-move/store-move-port';
import type { TenantView } from '@promethean/shared/platform/provider-registry';
import { DurableObjectControlStore } from './durable-object-control-store.ts';
import { readStorageEnv } from './storage-env.ts';
import { documentBackendOf, documentStoreOn } from './tenant-storage-ports.ts';

export function tenantMigrationPort(env: FunctionsEnv, tenant: TenantView): MigrationPort {
  const settings = readStorageEnv(env);
  const scope = { provider: tenant.provider, tenant: tenant.tenant };
  return storeMovePort({
    control: new DurableObjectControlStore(env.TENANT_DOCUMENTS, scope.provider, scope.tenant),
    stores: () => ({
      sqlite: documentStoreOn(env, scope, 'sqlite', settings),
      mongodb: documentStoreOn(env, scope, 'mongodb', settings),
    }),
    configured: documentBackendOf(tenant, settings),
  });
}
