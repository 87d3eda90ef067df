/** How a tenant's storage Durable Object is named (`<provider>:<tenant>`), and reading the scope back inside it. */
import { SegmentName } from '@promethean/schemas/identifiers';
import type { DocumentScope } from '@promethean/shared/effects/document-validation';

/** The `idFromName` name of a provider+tenant's document Durable Object. */
export function documentObjectName(scope: DocumentScope): string {
  return `${scope.provider}:${scope.tenant}`;
}

/**
 * The scope a document Durable Object serves, from `ctx.id.name` (set for objects reached through
 * `idFromName`). Undefined for an object reached any other way, which then checks no scope.
 */
export function documentScopeOf(id: DurableObjectId): DocumentScope | undefined {
  const [provider, tenant, ...rest] = (id.name ?? '').split(':');
  if (rest.length > 0 || !SegmentName.safeParse(provider).success || !SegmentName.safeParse(tenant).success) {
    return undefined;
  }
  return { provider: provider!, tenant: tenant! };
}
