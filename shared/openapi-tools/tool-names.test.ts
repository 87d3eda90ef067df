import { describe, expect, it } from 'vitest';
import { normalizeToolName, TOOL_NAME_MAX } from './tool-names.ts';

describe('normalizeToolName', () => {
  it('turns camelCase, kebab-case and spaces into one snake_case name', () => {
    expect(normalizeToolName('getMessage')).toBe('get_message');
    expect(normalizeToolName('get-message')).toBe('get_message');
    expect(normalizeToolName('Get Message')).toBe('get_message');
    expect(normalizeToolName('getHTTPStatus')).toBe('get_http_status');
    expect(normalizeToolName('getBackfillJob')).toBe('get_backfill_job');
  });

  it('drops characters tool names may not carry and bounds the length', () => {
    expect(normalizeToolName('  list/channels{id}  ')).toBe('list_channels_id');
    const long = normalizeToolName(`get${'VeryLong'.repeat(20)}`);
    expect(long.length).toBeLessThanOrEqual(TOOL_NAME_MAX);
    expect(long).toMatch(/^[a-z0-9_]+$/);
    expect(long.endsWith('_')).toBe(false);
  });
});
