/** The provider registry: providers.yml parsed, validated and served as secret-free tenant views. */
import type { TenantConfig } from '@promethean/schemas/providers-config';
import { ProvidersConfig } from '@promethean/schemas/providers-config';
import { parseDocument } from 'yaml';
import { deepFreeze } from './deep-freeze.ts';
import { RegistryConfigError, UnknownProviderError, UnknownTenantError } from './registry-errors.ts';
import { SecretAccessor, type SecretEnvironment } from './secret-accessor.ts';

/** What any agent may know about a tenant: its settings, and only the names of its credential keys. */
export interface TenantView {
  readonly provider: string;
  readonly adapter: string;
  readonly tenant: string;
  readonly config: Readonly<Omit<TenantConfig, 'credentials'>>;
  readonly credential_keys: readonly string[];
}

function parseYaml(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    const duplicate = first.code === 'DUPLICATE_KEY';
    const where = first.linePos?.[0] ? ` at line ${first.linePos[0].line}` : '';
    throw new RegistryConfigError(
      duplicate
        ? `duplicate key${where} (a tenant or provider is declared twice)`
        : `${first.message}${where}`,
      { cause: first },
    );
  }
  return doc.toJS();
}

/** Registries parsed from exact providers.yml texts (a handful at most: the bundled file, tests' files). */
const PARSED = new Map<string, ProviderRegistry>();
const MAX_PARSED = 16;

export class ProviderRegistry {
  readonly #config: ProvidersConfig;
  readonly #views = new Map<string, TenantView>();

  private constructor(config: ProvidersConfig) {
    this.#config = config;
    for (const [provider, p] of Object.entries(config.providers)) {
      for (const [tenant, t] of Object.entries(p.tenants)) {
        const { credentials, ...rest } = t;
        const view: TenantView = {
          provider,
          adapter: p.adapter,
          tenant,
          config: rest,
          credential_keys: Object.keys(credentials),
        };
        this.#views.set(`${provider}/${tenant}`, deepFreeze(view));
      }
    }
  }

  /**
   * Parses providers.yml. `knownAdapters`, when given, rejects providers whose adapter nobody serves.
   * Throws `RegistryConfigError` with the path of the first problem.
   */
  static fromYaml(text: string, knownAdapters?: readonly string[]): ProviderRegistry {
    // The same bundled text is parsed on every batch and request; a registry is immutable, so the parse
    // of one exact text can be shared (a changed text is a new key: nothing stale is ever served).
    const key = `${knownAdapters?.join(',') ?? '*'}\u0000${text}`;
    const known = PARSED.get(key);
    if (known) return known;
    const registry = ProviderRegistry.#parse(text, knownAdapters);
    if (PARSED.size >= MAX_PARSED) PARSED.clear();
    PARSED.set(key, registry);
    return registry;
  }

  static #parse(text: string, knownAdapters?: readonly string[]): ProviderRegistry {
    const result = ProvidersConfig.safeParse(parseYaml(text));
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new RegistryConfigError(`${issue.path.join('.') || '(root)'}: ${issue.message}`, {
        cause: result.error,
      });
    }
    if (knownAdapters) {
      for (const [name, p] of Object.entries(result.data.providers)) {
        if (!knownAdapters.includes(p.adapter)) {
          throw new RegistryConfigError(
            `providers.${name}.adapter: unknown adapter "${p.adapter}"; known: ${knownAdapters.join(', ')}`,
          );
        }
      }
    }
    return new ProviderRegistry(result.data);
  }

  providers(): string[] {
    return Object.keys(this.#config.providers);
  }

  tenants(provider?: string): TenantView[] {
    return [...this.#views.values()].filter((v) => provider === undefined || v.provider === provider);
  }

  /** The secret-free view of one tenant; throws `UnknownProviderError` / `UnknownTenantError`. */
  tenant(provider: string, tenant: string): TenantView {
    const p = this.#config.providers[provider];
    if (!p) throw new UnknownProviderError(provider, this.providers());
    const view = this.#views.get(`${provider}/${tenant}`);
    if (!view) throw new UnknownTenantError(provider, tenant, Object.keys(p.tenants));
    return view;
  }

  /**
   * The accessor for a tenant's credentials. Only the runtime hands it out, and only to
   * provider-access agents; nothing else in the codebase calls this.
   */
  secretsFor(provider: string, tenant: string, env: SecretEnvironment): SecretAccessor {
    this.tenant(provider, tenant);
    const refs = this.#config.providers[provider]!.tenants[tenant]!.credentials;
    return new SecretAccessor(provider, tenant, refs, env);
  }

  /**
   * The binding names every credential reference points at (`${NAME}` → NAME): names only, so a
   * Worker that must never hold a credential can refuse to run with one bound.
   */
  credentialVariables(): string[] {
    const names = new Set<string>();
    for (const provider of Object.values(this.#config.providers)) {
      for (const tenant of Object.values(provider.tenants)) {
        for (const ref of Object.values(tenant.credentials)) names.add(ref.slice(2, -1));
      }
    }
    return [...names].sort();
  }

  toJSON(): { providers: Record<string, { tenants: string[] }> } {
    const out: Record<string, { tenants: string[] }> = {};
    for (const v of this.#views.values()) {
      out[v.provider] ??= { tenants: [] };
      out[v.provider]!.tenants.push(v.tenant);
    }
    return { providers: out };
  }
}
