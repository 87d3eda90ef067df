/**
 * Secrets and audio travel between the Workers and the voice host only over TLS: a URL that carries a
 * shared secret or a session must be https / wss, except on this machine's loopback, where local
 * development and tests run without certificates.
 */

/** Whether a URL host is loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

/**
 * The problem with using `raw` as an endpoint that must be encrypted (`https` or `wss`, named by
 * `secure`), or undefined when it is fine: an encrypted scheme, or the plain one on loopback.
 */
export function insecureTransportProblem(raw: string, secure: 'https' | 'wss'): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL';
  }
  const plain = secure === 'https' ? 'http:' : 'ws:';
  if (url.protocol === `${secure}:`) return undefined;
  if (url.protocol === plain && isLoopbackHost(url.hostname)) return undefined;
  if (url.protocol === plain) return `must use ${secure}:// (plain ${plain}// is allowed only on loopback)`;
  return `must be a ${secure}:// URL`;
}
