/** Errors the provider registry raises, each naming what an operator must fix. */

export class RegistryConfigError extends Error {
  override readonly name = 'RegistryConfigError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(`providers.yml: ${message}`, options);
  }
}

export class UnknownTenantError extends Error {
  override readonly name = 'UnknownTenantError';
  constructor(
    readonly provider: string,
    readonly tenant: string,
    known: readonly string[],
  ) {
    super(
      `unknown ${provider === '' ? 'provider' : 'tenant'} ${provider}/${tenant}; known: ${known.join(', ') || 'none'}`,
    );
  }
}

export class UnknownProviderError extends Error {
  override readonly name = 'UnknownProviderError';
  constructor(
    readonly provider: string,
    known: readonly string[],
  ) {
    super(`unknown provider "${provider}"; known: ${known.join(', ') || 'none'}`);
  }
}

/** A credential reference names an environment variable that the access layer's environment lacks. */
export class MissingSecretError extends Error {
  override readonly name = 'MissingSecretError';
  constructor(
    readonly provider: string,
    readonly tenant: string,
    readonly key: string,
    readonly variable: string,
  ) {
    super(
      `credential "${key}" of ${provider}/${tenant} needs environment variable ${variable}, which is not set`,
    );
  }
}
