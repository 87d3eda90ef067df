/**
 * Duck's slash commands as Discord application-command JSON
 * (https://discord.com/developers/docs/interactions/application-commands), the body of the bulk
 * overwrite `PUT /applications/{application.id}/commands`. The option limits here match the zod
 * checks the access layer applies when a command arrives (`durable-objects/interactions/command-events.ts`).
 */
import { CHANNEL_TYPE, OPTION_TYPE } from './interaction-payload.ts';

/**
 * Manage Server (https://discord.com/developers/docs/topics/permissions): admins only by default.
 * Discord's OpenAPI spec takes the bitfield as an integer here (it answers with a string).
 */
const MANAGE_GUILD = 1 << 5;
const GUILD = 0;
const BOT_DM = 1;
const GUILD_INSTALL = 0;

export const APPLICATION_COMMANDS = [
  {
    type: 1,
    name: 'ask',
    description: 'Ask Duck a question; Duck answers with what it has read here.',
    options: [
      {
        type: OPTION_TYPE.string,
        name: 'question',
        description: 'What you want to know',
        required: true,
        min_length: 1,
        max_length: 2000,
      },
    ],
    contexts: [GUILD, BOT_DM],
    integration_types: [GUILD_INSTALL],
  },
  {
    type: 1,
    name: 'search',
    description: 'Search the messages Duck has indexed (only you see the results).',
    options: [
      {
        type: OPTION_TYPE.string,
        name: 'query',
        description: 'What to look for, in your own words',
        required: true,
        min_length: 1,
        max_length: 500,
      },
      {
        type: OPTION_TYPE.integer,
        name: 'limit',
        description: 'How many results (1-10, default 5)',
        min_value: 1,
        max_value: 10,
      },
      {
        type: OPTION_TYPE.string,
        name: 'source',
        description: 'What to search: messages (default) or the web pages this server crawled',
        choices: [
          { name: 'messages', value: 'messages' },
          { name: 'web pages', value: 'web' },
        ],
      },
    ],
    contexts: [GUILD, BOT_DM],
    integration_types: [GUILD_INSTALL],
  },
  {
    type: 1,
    name: 'backfill',
    description: "Index a channel's history so Duck can search and answer from it.",
    options: [
      {
        type: OPTION_TYPE.channel,
        name: 'channel',
        description: 'The text channel to read',
        required: true,
        channel_types: [CHANNEL_TYPE.guildText, CHANNEL_TYPE.guildAnnouncement],
      },
      {
        type: OPTION_TYPE.integer,
        name: 'limit',
        description: 'At most this many messages (default: the whole history)',
        min_value: 1,
        max_value: 1_000_000,
      },
    ],
    default_member_permissions: MANAGE_GUILD,
    contexts: [GUILD],
    integration_types: [GUILD_INSTALL],
  },
  {
    type: 1,
    name: 'voice',
    description: 'Bring Duck into a voice channel, or send it away.',
    options: [
      {
        type: OPTION_TYPE.subcommand,
        name: 'join',
        description: 'Duck joins a voice channel and listens',
        options: [
          {
            type: OPTION_TYPE.channel,
            name: 'channel',
            description: 'The voice channel to join',
            required: true,
            channel_types: [CHANNEL_TYPE.guildVoice, CHANNEL_TYPE.guildStageVoice],
          },
        ],
      },
      { type: OPTION_TYPE.subcommand, name: 'leave', description: 'Duck leaves the voice channel' },
    ],
    contexts: [GUILD],
    integration_types: [GUILD_INSTALL],
  },
  {
    type: 1,
    name: 'status',
    description: "Duck's health: gateway, REST buckets, queue and dead-letter depths (only you see it).",
    default_member_permissions: MANAGE_GUILD,
    contexts: [GUILD],
    integration_types: [GUILD_INSTALL],
  },
] as const;

/** The command names, for checks that every definition has a handler and the reverse. */
export const APPLICATION_COMMAND_NAMES = APPLICATION_COMMANDS.map((c) => c.name);
