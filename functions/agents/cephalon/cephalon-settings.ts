/** The reply agent's settings (manifest defaults, tenant overrides) and the config revision they hash to. */
import { NonRetriableError } from '@promethean/shared/agent/agent-errors';
import type { RuntimeContext } from '@promethean/shared/agent/runtime-context';
import { RetrievalScope } from '@promethean/shared/platform/retrieval-scope';
import { sha256Hex } from '@promethean/shared/platform/sha256-hex';
import { z } from 'zod';
import { PROMPT_FORMAT_VERSION, SYSTEM_PROMPT } from './system-prompt.ts';

export const CephalonSettings = z.object({
  /** The agent's own account, when the tenant names it: its messages are never answered. */
  bot_user_id: z.string().min(1).optional(),
  reply_context_k: z.number().int().min(0).max(50).default(6),
  reply_recent_messages: z.number().int().min(0).max(100).default(12),
  /** What retrieval may read: the conversation's channel, or (tenant opt-in) its guild; never the whole tenant. */
  retrieval_scope: RetrievalScope,
  reply_max_tokens: z.number().int().positive().max(4096).default(400),
  reply_max_chars: z.number().int().min(100).max(4000).default(1900),
  reply_max_context_chars: z.number().int().min(0).max(50_000).default(6000),
  /**
   * /ask may call the platform's `/v1` tools through the LLM gateway (tenant opt-in, off by default): the
   * tools act as this tenant narrowed to the asking channel, so they read no more than retrieval does.
   */
  ask_tools: z.boolean().default(false),
  ask_tool_rounds: z.number().int().min(1).max(8).default(3),
});
export type CephalonSettings = z.infer<typeof CephalonSettings>;

export function cephalonSettings(ctx: RuntimeContext): CephalonSettings {
  const parsed = CephalonSettings.safeParse(ctx.settings);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new NonRetriableError(`invalid cephalon settings: ${issues}`, {
      agent: ctx.agent.id,
      tenant: ctx.tenant,
    });
  }
  return parsed.data;
}

/** A short hash of everything that shapes a reply besides its input: settings and prompt. */
export async function configRevision(settings: CephalonSettings): Promise<string> {
  const ordered = Object.fromEntries(Object.entries(settings).sort(([a], [b]) => (a < b ? -1 : 1)));
  const digest = await sha256Hex(
    JSON.stringify({ settings: ordered, prompt: SYSTEM_PROMPT, format: PROMPT_FORMAT_VERSION }),
  );
  return `cephalon-${digest.slice(0, 16)}`;
}
