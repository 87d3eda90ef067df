import { describe, expect, it } from 'vitest';
import { AgentSettingsError, parseAgentSettings } from './agent-settings-override.ts';

describe('AGENT_SETTINGS', () => {
  it('reads per-agent overrides from JSON', () => {
    expect(parseAgentSettings('{"backfill":{"max_concurrent_jobs":32}}')).toEqual({
      backfill: { max_concurrent_jobs: 32 },
    });
  });

  it('treats an empty value as no overrides', () => {
    expect(parseAgentSettings('')).toEqual({});
    expect(parseAgentSettings(undefined)).toEqual({});
  });

  it('refuses malformed JSON and shapes, naming the variable', () => {
    expect(() => parseAgentSettings('{backfill')).toThrow(AgentSettingsError);
    expect(() => parseAgentSettings('{"Backfill!":{}}')).toThrow(/AGENT_SETTINGS/);
    expect(() => parseAgentSettings('{"backfill":3}')).toThrow(/AGENT_SETTINGS backfill/);
  });
});
