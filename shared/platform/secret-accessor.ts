/**
 * The only path from a `${ENV_VAR}` credential reference to its value. Only provider-access agents
 * receive an accessor; values are read from the bindings on every call and never stored or printed.
 */
import { MissingSecretError } from './registry-errors.ts';

export type SecretEnvironment = Readonly<Record<string, unknown>>;

const REFERENCE = /^\$\{([A-Z][A-Z0-9_]*)\}$/;

/** Resolves one tenant's credentials by key (`token`, `public_key`, ...). */
export class SecretAccessor {
  readonly #provider: string;
  readonly #tenant: string;
  readonly #references: Readonly<Record<string, string>>;
  readonly #env: SecretEnvironment;

  constructor(
    provider: string,
    tenant: string,
    references: Readonly<Record<string, string>>,
    env: SecretEnvironment,
  ) {
    this.#provider = provider;
    this.#tenant = tenant;
    this.#references = references;
    this.#env = env;
  }

  /** The credential keys this tenant declares. */
  keys(): string[] {
    return Object.keys(this.#references);
  }

  has(key: string): boolean {
    const variable = this.#variable(key);
    const value = variable === undefined ? undefined : this.#env[variable];
    return typeof value === 'string' && value.length > 0;
  }

  /** The credential's value; throws `MissingSecretError` naming the variable when it is unset or empty. */
  get(key: string): string {
    const variable = this.#variable(key);
    if (variable === undefined)
      throw new MissingSecretError(this.#provider, this.#tenant, key, '(no reference declared)');
    const value = this.#env[variable];
    if (typeof value !== 'string' || value.length === 0) {
      throw new MissingSecretError(this.#provider, this.#tenant, key, variable);
    }
    return value;
  }

  /** Fails fast naming every missing variable, e.g. when an access agent starts. */
  assertAll(): void {
    for (const key of this.keys()) this.get(key);
  }

  #variable(key: string): string | undefined {
    const ref = this.#references[key];
    return ref === undefined ? undefined : REFERENCE.exec(ref)?.[1];
  }

  toJSON(): { provider: string; tenant: string; secrets: string[] } {
    return {
      provider: this.#provider,
      tenant: this.#tenant,
      secrets: this.keys().map((k) => `${k}=[redacted]`),
    };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `SecretAccessor(${this.#provider}/${this.#tenant}: ${this.keys().join(', ')})`;
  }
}
