/** Application commands per application and guild, replaced wholesale by Discord's bulk-overwrite PUT. */
import type { APIApplicationCommand } from 'discord-api-types/v10';
import { ApplicationCommandType } from 'discord-api-types/v10';
import type { SnowflakeGenerator } from './snowflake.ts';

type Definition = Omit<APIApplicationCommand, 'id' | 'application_id' | 'version' | 'guild_id'>;

function definitionOf(body: Record<string, unknown>): Definition {
  const permissions = body.default_member_permissions;
  return {
    type: typeof body.type === 'number' ? body.type : ApplicationCommandType.ChatInput,
    name: String(body.name),
    name_localizations: (body.name_localizations ?? null) as Definition['name_localizations'],
    description: typeof body.description === 'string' ? body.description : '',
    description_localizations: (body.description_localizations ??
      null) as Definition['description_localizations'],
    options: (Array.isArray(body.options) ? body.options : []) as Definition['options'],
    default_member_permissions:
      permissions === undefined || permissions === null ? null : String(permissions),
    nsfw: body.nsfw === true,
    ...(Array.isArray(body.contexts) ? { contexts: body.contexts as Definition['contexts'] } : {}),
    integration_types: (Array.isArray(body.integration_types)
      ? body.integration_types
      : [0]) as Definition['integration_types'],
  };
}

/** The commands of one application, globally (`guildId` null) or in one guild. */
export class CommandRegistry {
  readonly #sets = new Map<string, Map<string, APIApplicationCommand>>();
  readonly #ids: SnowflakeGenerator;

  constructor(ids: SnowflakeGenerator) {
    this.#ids = ids;
  }

  /** Names used twice in one PUT, by index: Discord rejects the whole request for them. */
  static duplicates(bodies: Record<string, unknown>[]): number[] {
    const seen = new Set<string>();
    return bodies.flatMap((body, index) => {
      const key = `${body.type ?? ApplicationCommandType.ChatInput}:${String(body.name)}`;
      if (seen.has(key)) return [index];
      seen.add(key);
      return [];
    });
  }

  /**
   * Replaces the set: a command keeps its id while its (type, name) stays, and gets a new version
   * only when its definition changed; commands left out are deleted.
   */
  bulkOverwrite(applicationId: string, guildId: string | null, bodies: Record<string, unknown>[]) {
    const key = `${applicationId}:${guildId ?? 'global'}`;
    const previous = this.#sets.get(key) ?? new Map<string, APIApplicationCommand>();
    const next = new Map<string, APIApplicationCommand>();
    for (const body of bodies) {
      const definition = definitionOf(body);
      const nameKey = `${definition.type}:${definition.name}`;
      const before = previous.get(nameKey);
      const unchanged =
        before !== undefined && JSON.stringify(definitionOf({ ...before })) === JSON.stringify(definition);
      next.set(nameKey, {
        id: before?.id ?? this.#ids.next(),
        application_id: applicationId,
        version: unchanged ? before.version : this.#ids.next(),
        ...(guildId === null ? {} : { guild_id: guildId }),
        ...definition,
      });
    }
    this.#sets.set(key, next);
    return this.list(applicationId, guildId);
  }

  /** The current commands, in the order they were last PUT. */
  list(applicationId: string, guildId: string | null): APIApplicationCommand[] {
    return [...(this.#sets.get(`${applicationId}:${guildId ?? 'global'}`)?.values() ?? [])];
  }

  /** Forgets every command. */
  reset(): void {
    this.#sets.clear();
  }
}
