/** The bot's own resources: gateway info, its user, its application, and its application commands. */
import type { APIUser } from 'discord-api-types/v10';
import { CommandRegistry } from './command-registry.ts';
import { botUser } from './message-factory.ts';
import type { RestContext, RestHandler } from './rest-context.ts';
import { botOf } from './rest-context.ts';
import type { FakeResponse } from './rest-responses.ts';
import { errors, json } from './rest-responses.ts';

const getBotGateway: RestHandler = (ctx) =>
  json(200, {
    url: ctx.gateway.url,
    shards: 1,
    session_start_limit: ctx.gateway.sessionStartLimit(botOf(ctx).botUserId),
  });

const getMyUser: RestHandler = (ctx) => {
  const user: APIUser = botUser(botOf(ctx));
  return json(200, {
    ...user,
    public_flags: 0,
    flags: 0,
    banner: null,
    accent_color: null,
    mfa_enabled: false,
    locale: 'en-US',
    verified: true,
    email: null,
  });
};

/** The bot's application (`GET /applications/@me`), with the fields the spec marks required. */
const getMyApplication: RestHandler = (ctx) => {
  const bot = botOf(ctx);
  return json(200, {
    id: bot.applicationId,
    name: bot.username ?? `fake-app-${bot.applicationId.slice(-4)}`,
    icon: null,
    description: '',
    type: null,
    bot: botUser(bot),
    // The fake does not sign interactions; a real application shows its Ed25519 public key here.
    verify_key: '0'.repeat(64),
    flags: 0,
    flags_new: '0',
    redirect_uris: [],
    interactions_endpoint_url: null,
    role_connections_verification_url: null,
    owner: botUser(bot),
    approximate_guild_count: 1,
    approximate_user_install_count: 0,
    approximate_user_authorization_count: 0,
    explicit_content_filter: 0,
    team: null,
    eligible_oauth2_scopes: [],
  });
};

/** Discord answers 403 Missing Access when a bot touches another application's commands. */
function foreignApplication(ctx: RestContext): FakeResponse | undefined {
  return ctx.params.application_id === botOf(ctx).applicationId ? undefined : errors.missingAccess();
}

const listCommands: RestHandler = (ctx) =>
  foreignApplication(ctx) ?? json(200, ctx.state.commands.list(ctx.params.application_id ?? '', null));

function bulkOverwrite(ctx: RestContext, guildId: string | null): FakeResponse {
  const refused = foreignApplication(ctx);
  if (refused !== undefined) return refused;
  const bodies = (Array.isArray(ctx.body) ? ctx.body : []) as Record<string, unknown>[];
  const duplicates = CommandRegistry.duplicates(bodies);
  if (duplicates.length > 0) {
    const tree = Object.fromEntries(
      duplicates.map((i) => [
        String(i),
        {
          name: {
            _errors: [
              {
                code: 'APPLICATION_COMMANDS_DUPLICATE_NAME',
                message: 'Application command names must be unique',
              },
            ],
          },
        },
      ]),
    );
    return errors.invalidFormBody(tree);
  }
  return json(200, ctx.state.commands.bulkOverwrite(ctx.params.application_id ?? '', guildId, bodies));
}

/** Handlers by the spec's operation id. */
export const applicationRoutes: Record<string, RestHandler> = {
  get_bot_gateway: getBotGateway,
  get_my_user: getMyUser,
  get_my_application: getMyApplication,
  list_application_commands: listCommands,
  bulk_set_application_commands: (ctx) => bulkOverwrite(ctx, null),
  bulk_set_guild_application_commands: (ctx) => bulkOverwrite(ctx, ctx.params.guild_id ?? null),
};
