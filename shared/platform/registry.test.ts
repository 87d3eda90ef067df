import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ProviderRegistry } from './provider-registry.ts';
import {
  MissingSecretError,
  RegistryConfigError,
  UnknownProviderError,
  UnknownTenantError,
} from './registry-errors.ts';

const YAML = `version: 1
providers:
  discord:
    adapter: discord
    tenants:
      duck:
        allowlist: { spaces: ['1'] }
        rate: { invalid_request_budget: 100 }
        storage: { documents: mongodb }
        credentials:
          bot_token: \${DUCK_CREDENTIAL_FOR_TEST}
      goose: {}
  echo:
    adapter: echo
    tenants:
      demo: {}
`;
const SECRET = 'very-secret-value-123';

describe('ProviderRegistry', () => {
  it('reads several tenants per provider with their settings and defaults', () => {
    const r = ProviderRegistry.fromYaml(YAML, ['discord', 'echo']);
    expect(r.providers()).toEqual(['discord', 'echo']);
    expect(r.tenants('discord').map((t) => t.tenant)).toEqual(['duck', 'goose']);
    const duck = r.tenant('discord', 'duck');
    expect(duck.config.allowlist.spaces).toEqual(['1']);
    expect(duck.config.rate.invalid_request_budget).toBe(100);
    expect(duck.config.storage.documents).toBe('mongodb');
    expect(r.tenant('discord', 'goose').config.storage.documents).toBe('sqlite');
    expect(duck.credential_keys).toEqual(['bot_token']);
    expect(Object.isFrozen(duck) && Object.isFrozen(duck.config)).toBe(true);
  });

  it('resolves a credential only through the accessor, and names a missing variable', () => {
    const r = ProviderRegistry.fromYaml(YAML);
    expect(r.secretsFor('discord', 'duck', { DUCK_CREDENTIAL_FOR_TEST: SECRET }).get('bot_token')).toBe(
      SECRET,
    );
    const missing = () => r.secretsFor('discord', 'duck', {}).get('bot_token');
    expect(missing).toThrow(MissingSecretError);
    expect(missing).toThrow(/DUCK_CREDENTIAL_FOR_TEST/);
  });

  it('never shows a secret when a registry, a view or an accessor is serialized or logged', () => {
    const r = ProviderRegistry.fromYaml(YAML);
    const accessor = r.secretsFor('discord', 'duck', { DUCK_CREDENTIAL_FOR_TEST: SECRET });
    accessor.get('bot_token');
    for (const text of [
      JSON.stringify(r),
      JSON.stringify(r.tenant('discord', 'duck')),
      JSON.stringify(accessor),
      inspect(accessor),
      inspect(r, { depth: 10 }),
      String(accessor),
    ]) {
      expect(text).not.toContain(SECRET);
    }
  });

  it('refuses unknown providers and tenants with what is known', () => {
    const r = ProviderRegistry.fromYaml(YAML);
    expect(() => r.tenant('reddit', 'x')).toThrow(UnknownProviderError);
    expect(() => r.tenant('reddit', 'x')).toThrow(/known: discord, echo/);
    expect(() => r.tenant('discord', 'ghost')).toThrow(UnknownTenantError);
  });

  it('rejects a duplicate tenant, an unknown adapter, and literal credentials', () => {
    const duplicate = YAML.replace('      goose: {}', '      goose: {}\n      goose: {}');
    expect(() => ProviderRegistry.fromYaml(duplicate)).toThrow(RegistryConfigError);
    expect(() => ProviderRegistry.fromYaml(duplicate)).toThrow(/duplicate/);
    expect(() => ProviderRegistry.fromYaml(YAML, ['discord'])).toThrow(/unknown adapter "echo"/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the YAML holds a literal ${VAR} reference, not a template
    const literal = YAML.replace('${DUCK_CREDENTIAL_FOR_TEST}', 'plain-text-secret');
    expect(() => ProviderRegistry.fromYaml(literal)).toThrow(/ENV_VAR/);
  });
});
