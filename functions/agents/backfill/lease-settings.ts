/** The backfill agent's lease settings (manifest defaults, overridable per tenant), checked once per call. */
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import { z } from 'zod';

const LeaseSettings = z.object({
  max_concurrent_jobs: z.number().int().min(1).max(100),
  lease_ttl_ms: z.number().int().min(1_000).max(3_600_000),
  max_page_attempts: z.number().int().min(1).max(20),
  progress_edit_every_pages: z.number().int().min(1).max(1_000),
});

export function leaseSettings(ctx: RuntimeContext): {
  maxJobs: number;
  ttlMs: number;
  maxAttempts: number;
  editEvery: number;
} {
  const s = LeaseSettings.parse(ctx.settings);
  return {
    maxJobs: s.max_concurrent_jobs,
    ttlMs: s.lease_ttl_ms,
    maxAttempts: s.max_page_attempts,
    editEvery: s.progress_edit_every_pages,
  };
}
