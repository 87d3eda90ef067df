/** The fetch limits for one tenant, read from the agent's settings (manifest defaults, tenant overrides). */
import { NonRetriableError } from '@promethean/shared/agent/agent-errors';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import {
  type AttachmentFetchLimits,
  DEFAULT_ATTACHMENT_LIMITS,
} from '@promethean/shared/net/attachment-egress';
import { z } from 'zod';

const AttachmentSettings = z.object({
  attachment_max_bytes: z
    .number()
    .int()
    .positive()
    .max(100 * 1024 * 1024)
    .default(DEFAULT_ATTACHMENT_LIMITS.max_bytes),
  attachment_timeout_ms: z
    .number()
    .int()
    .positive()
    .max(120_000)
    .default(DEFAULT_ATTACHMENT_LIMITS.timeout_ms),
  attachment_content_types: z
    .array(z.string().regex(/^(?:[a-z0-9.+-]+\/(?:\*|[a-z0-9.+-]+)|\*\/\*)$/))
    .min(1)
    .default([...DEFAULT_ATTACHMENT_LIMITS.allowed_content_types]),
});

/** Throws `NonRetriableError` for settings that cannot be limits (a typo in providers.yml). */
export function attachmentLimits(ctx: RuntimeContext): AttachmentFetchLimits {
  const parsed = AttachmentSettings.safeParse(ctx.settings);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new NonRetriableError(`invalid attachment settings: ${issues}`, {
      agent: ctx.agent.id,
      tenant: ctx.tenant,
    });
  }
  return {
    max_bytes: parsed.data.attachment_max_bytes,
    timeout_ms: parsed.data.attachment_timeout_ms,
    allowed_content_types: parsed.data.attachment_content_types,
  };
}
