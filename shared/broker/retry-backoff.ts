/** Exponential backoff for queue retries, bounded by the manifest's retry settings. */
import type { AgentManifest } from '@promethean/schemas/manifest';

/** Seconds before attempt `attempts + 1`; a handler's own `retry_after` wins when it is longer. */
export function retryDelaySeconds(
  retry: AgentManifest['retry'],
  attempts: number,
  requestedMs?: number,
): number {
  const exponential = retry.base_delay_s * 2 ** Math.max(0, attempts - 1);
  const requested = requestedMs === undefined ? 0 : Math.ceil(requestedMs / 1000);
  return Math.min(retry.max_delay_s, Math.max(exponential, requested));
}
