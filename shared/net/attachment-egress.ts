/** How attachment bytes reach a worker: an egress the deployment chooses, always behind the SSRF guard. */

/** The limits every attachment fetch runs under. */
export interface AttachmentFetchLimits {
  /** Hard cap on the body, enforced while streaming. */
  max_bytes: number;
  /** Exact media types or `type/*` wildcards. */
  allowed_content_types: readonly string[];
  /** Wall-clock limit for the whole fetch, redirects included. */
  timeout_ms: number;
}

export const DEFAULT_ATTACHMENT_LIMITS: AttachmentFetchLimits = Object.freeze({
  max_bytes: 10 * 1024 * 1024,
  allowed_content_types: Object.freeze([
    'image/png',
    'image/jpeg',
    'image/gif',
    'image/webp',
    'text/plain',
    'text/markdown',
    'text/csv',
    'application/json',
    'application/pdf',
    'audio/*',
    'video/mp4',
    'video/webm',
  ]),
  timeout_ms: 15_000,
});

/** Bytes fetched through the guard. */
export interface FetchedAttachment {
  bytes: Uint8Array;
  /** The media type the origin declared (already checked against the allowlist). */
  content_type: string;
  /** Where the bytes came from after redirects, without its query string. */
  final_url: string;
  redirects: number;
}

/**
 * Fetches attachment bytes. `direct` fetches from the runtime it runs in (tests, local dev);
 * `container` asks the voice-host container, which has a general egress (Discord's CDN refuses
 * Workers). Both refuse with `SsrfRefusedError`, fail for good with `UpstreamRefusedError`, and
 * ask for a retry with `UpstreamUnavailableError`.
 */
export interface AttachmentEgress {
  readonly kind: 'direct' | 'container';
  fetchAttachment(url: string, limits: AttachmentFetchLimits): Promise<FetchedAttachment>;
}
