/**
 * Which tenants verify signed interactions (a `public_key` credential in providers.yml), and the
 * access Worker bindings that carry the dev stack's generated public keys for them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { credentialBindings } from '../../durable-objects/dev/credential-bindings.ts';
import type { DevKeys } from './dev-keys.ts';

interface ProvidersFile {
  providers: Record<string, { tenants: Record<string, { credentials?: Record<string, string> }> }>;
}

const PROVIDERS_YML = join(import.meta.dirname, '..', '..', 'providers.yml');

/** provider → tenants whose providers.yml entry declares a `public_key` credential. */
export function interactionTenants(
  providers: readonly string[],
  path = PROVIDERS_YML,
): Record<string, string[]> {
  const file = parse(readFileSync(path, 'utf8')) as ProvidersFile;
  const out: Record<string, string[]> = {};
  for (const provider of providers) {
    const tenants = Object.entries(file.providers[provider]?.tenants ?? {});
    out[provider] = tenants.filter(([, t]) => t.credentials?.public_key !== undefined).map(([name]) => name);
  }
  return out;
}

/** `{ DEMO_ECHO_PUBLIC_KEY: '…', … }` for the given providers' generated keys. */
export function publicKeyBindings(keys: DevKeys, providers: readonly string[]): Record<string, string> {
  const values: Record<string, Record<string, Record<string, string>>> = {};
  for (const provider of providers) {
    const byTenant: Record<string, Record<string, string>> = {};
    for (const [tenant, pair] of Object.entries(keys.interaction_keys[provider] ?? {})) {
      byTenant[tenant] = { public_key: pair.public_key_hex };
    }
    values[provider] = byTenant;
  }
  return credentialBindings(values);
}
