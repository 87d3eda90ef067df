/** Every operation the fake implements, by the spec's operation id. */
import { applicationRoutes } from './application-routes.ts';
import { channelRoutes } from './channel-routes.ts';
import { interactionRoutes } from './interaction-routes.ts';
import type { RestHandler } from './rest-context.ts';

/** Handlers keyed by operation id; each must exist in discord-spec.fixture.json. */
export const REST_HANDLERS: Readonly<Record<string, RestHandler>> = {
  ...applicationRoutes,
  ...channelRoutes,
  ...interactionRoutes,
};
