/** Where provider secrets may be named or held: the access layer, and the guards that police it. */

// The access layer owns provider tokens (DESIGN §1); the guards and their tests must spell out what they hunt.
const SECRET_HOLDER_DIRS = ['durable-objects/', 'voice-host/', 'scripts/guards/'];
const SECRET_HOLDER_FILES = new Set(['shared/platform/secret-accessor.ts']);

/**
 * The root `providers.yml` may name secret variables: it holds only `${VAR}` references, which the
 * secret accessor resolves from the access Worker's bindings, never values.
 */
export const PROVIDERS_CONFIG = 'providers.yml';

/** Whether `file` (repo-relative) is part of the access layer or the guards. */
export function isSecretHolder(file: string): boolean {
  return SECRET_HOLDER_FILES.has(file) || SECRET_HOLDER_DIRS.some((dir) => file.startsWith(dir));
}
