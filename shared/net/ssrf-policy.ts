/** What the SSRF guard allows: ports, redirects, and the loud, test-only list of trusted local origins. */

/** Resolves a host name to every address it has (A and AAAA). Only runtimes with DNS provide one. */
export type HostResolver = (hostname: string) => Promise<string[]>;

export interface SsrfPolicy {
  /** Ports a URL may name; the scheme's default port is what an absent port means. */
  allowed_ports: readonly number[];
  /** Redirects followed (each hop re-checked) before giving up. */
  max_redirects: number;
  /**
   * NEVER FOR PRODUCTION. Exact loopback origins (`http://127.0.0.1:<port>`) whose address checks
   * are skipped so tests and local development can fetch from a local server. Scheme, userinfo,
   * size and content-type checks still apply. Empty by default.
   */
  trusted_origins: readonly string[];
}

export const DEFAULT_SSRF_POLICY: SsrfPolicy = Object.freeze({
  allowed_ports: Object.freeze([80, 443]),
  max_redirects: 3,
  trusted_origins: Object.freeze([]),
});

/** A trusted-origins entry that is not an exact loopback origin with an explicit port. */
export class TrustedOriginError extends Error {
  override readonly name = 'TrustedOriginError';
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]']);

/**
 * Validates a trusted-origins list: each entry must be exactly `http://127.0.0.1:<port>` or
 * `http://[::1]:<port>` (no path, no name, no other address), so the escape hatch cannot be widened
 * to a private network or a metadata address by configuration.
 */
export function parseTrustedOrigins(entries: readonly string[]): string[] {
  return entries
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map((entry) => {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        throw new TrustedOriginError(`trusted origin ${JSON.stringify(entry)} is not a URL`);
      }
      if (
        url.origin !== entry ||
        url.protocol !== 'http:' ||
        !LOOPBACK_HOSTS.has(url.hostname) ||
        !url.port
      ) {
        throw new TrustedOriginError(
          `trusted origin ${JSON.stringify(entry)} must be exactly http://127.0.0.1:<port> or http://[::1]:<port>`,
        );
      }
      return entry;
    });
}

/** A policy with `trusted_origins` validated; use this, not an object literal, when reading configuration. */
export function ssrfPolicy(overrides: Partial<SsrfPolicy> = {}): SsrfPolicy {
  return Object.freeze({
    allowed_ports: Object.freeze([...(overrides.allowed_ports ?? DEFAULT_SSRF_POLICY.allowed_ports)]),
    max_redirects: overrides.max_redirects ?? DEFAULT_SSRF_POLICY.max_redirects,
    trusted_origins: Object.freeze(parseTrustedOrigins(overrides.trusted_origins ?? [])),
  });
}
