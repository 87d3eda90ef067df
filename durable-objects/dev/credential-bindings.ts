/**
 * For local runs only (dev stack, tests, benchmarks): turns per-tenant credential values into the
 * environment variable bindings that providers.yml's `${VAR}` references name. The variable names
 * come from providers.yml, so nothing outside the access layer has to spell them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

interface ProvidersFile {
  providers: Record<string, { tenants: Record<string, { credentials?: Record<string, string> }> }>;
}

/** `{ discord: { duck: { bot_token: 'x' } } }` → `{ DUCK_DISCORD_BOT_TOKEN: 'x' }`; throws for unknown keys. */
export function credentialBindings(
  values: Record<string, Record<string, Record<string, string>>>,
  providersYmlPath = join(import.meta.dirname, '..', '..', 'providers.yml'),
): Record<string, string> {
  const file = parse(readFileSync(providersYmlPath, 'utf8')) as ProvidersFile;
  const bindings: Record<string, string> = {};
  for (const [provider, tenants] of Object.entries(values)) {
    for (const [tenant, keys] of Object.entries(tenants)) {
      const refs = file.providers[provider]?.tenants[tenant]?.credentials ?? {};
      for (const [key, value] of Object.entries(keys)) {
        const variable = /^\$\{([A-Z0-9_]+)\}$/.exec(refs[key] ?? '')?.[1];
        if (!variable)
          throw new Error(`providers.yml declares no credential "${key}" for ${provider}/${tenant}`);
        bindings[variable] = value;
      }
    }
  }
  return bindings;
}
