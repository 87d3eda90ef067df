/** Duck's command definitions against Discord's spec (the fake's fixture), the intake, and the diff. */
import { diffCommands } from '@promethean/shared/providers/discord/application-command-diff';
import {
  APPLICATION_COMMAND_NAMES,
  APPLICATION_COMMANDS,
} from '@promethean/shared/providers/discord/application-commands';
import { describe, expect, it } from 'vitest';
import { KNOWN_COMMANDS } from '../../durable-objects/interactions/command-events.ts';
import { validateJsonSchema } from '../fake-discord/json-schema-subset.ts';
import { loadSpecFixture } from '../fake-discord/spec-fixture.ts';

const bulkOverwrite = loadSpecFixture().routes.find(
  (r) => r.operation_id === 'bulk_set_application_commands',
);

describe('application command definitions', () => {
  it("are a valid body for Discord's bulk overwrite (PUT /applications/{id}/commands)", () => {
    expect(bulkOverwrite?.request_body).toBeTruthy();
    expect(validateJsonSchema(bulkOverwrite!.request_body!, APPLICATION_COMMANDS)).toBeNull();
  });

  it('would be refused by the same check if an option broke the spec', () => {
    const broken = structuredClone(APPLICATION_COMMANDS) as unknown as Array<{
      options?: Array<{ name: string }>;
    }>;
    broken[0]!.options![0]!.name = 'x'.repeat(40);
    expect(validateJsonSchema(bulkOverwrite!.request_body!, broken)).not.toBeNull();
  });

  it('match the commands the access layer answers, one for one', () => {
    const defined = APPLICATION_COMMANDS.flatMap((c) => {
      const subs = ('options' in c ? c.options : [])
        .filter((o) => o.type === 1)
        .map((o) => `${c.name} ${o.name}`);
      return subs.length > 0 ? subs : [c.name];
    });
    expect(defined.sort()).toEqual([...KNOWN_COMMANDS].sort());
    expect(APPLICATION_COMMAND_NAMES).toEqual(['ask', 'search', 'backfill', 'voice', 'status']);
  });
});

describe('diffCommands', () => {
  /** What Discord answers after a PUT: ids, versions and its defaults filled in. */
  const asDiscordReturnsThem = (defs: readonly unknown[]) =>
    defs.map((d, i) => ({
      id: String(100 + i),
      application_id: '1',
      version: '1',
      name_localizations: null,
      description_localizations: null,
      nsfw: false,
      default_member_permissions: null,
      options: [],
      ...(d as object),
    }));

  it('reports everything added on a new application', () => {
    expect(diffCommands([], APPLICATION_COMMANDS).map((c) => c.change)).toEqual(Array(5).fill('added'));
  });

  it("reports nothing changed against Discord's own copy of the same set", () => {
    const changes = diffCommands(asDiscordReturnsThem(APPLICATION_COMMANDS), APPLICATION_COMMANDS);
    expect(changes.every((c) => c.change === 'unchanged')).toBe(true);
  });

  it('reports updated and removed commands by name', () => {
    const existing = asDiscordReturnsThem([
      { ...APPLICATION_COMMANDS[0], description: 'an older description' },
      ...APPLICATION_COMMANDS.slice(1),
      { type: 1, name: 'quack', description: 'retired' },
    ]);
    expect(diffCommands(existing, APPLICATION_COMMANDS)).toEqual([
      { name: 'ask', change: 'updated' },
      { name: 'search', change: 'unchanged' },
      { name: 'backfill', change: 'unchanged' },
      { name: 'voice', change: 'unchanged' },
      { name: 'status', change: 'unchanged' },
      { name: 'quack', change: 'removed' },
    ]);
  });
});
