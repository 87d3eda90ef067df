/**
 * The `AGENT_SETTINGS` deployment variable: per-agent setting overrides as JSON, e.g.
 * `{"backfill": {"max_concurrent_jobs": 32}}`. Manifest defaults < these < the tenant's providers.yml
 * settings. A malformed value is refused loudly rather than half-applied.
 */
import { z } from 'zod';

const AgentSettings = z.record(
  z.string().regex(/^[a-z][a-z0-9-]{1,62}$/, 'keys are agent ids'),
  z.record(z.string(), z.unknown()),
);

/** A malformed AGENT_SETTINGS value; names the variable and what is wrong. */
export class AgentSettingsError extends Error {
  override readonly name = 'AgentSettingsError';
}

/** Parses the variable; empty or absent means no overrides. */
export function parseAgentSettings(raw: unknown): Record<string, Record<string, unknown>> {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return {};
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (cause) {
      throw new AgentSettingsError(
        `AGENT_SETTINGS is not JSON (${JSON.stringify(raw.slice(0, 60))}): ${String(cause)}`,
        {
          cause,
        },
      );
    }
  }
  const parsed = AgentSettings.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AgentSettingsError(`AGENT_SETTINGS ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
