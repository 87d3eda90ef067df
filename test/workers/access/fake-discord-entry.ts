/**
 * Runs the fake Discord as its own Node process for the access Worker's tests (the vitest global setup
 * runs under workerd module resolution, where Discord's CJS type package does not load).
 * Usage: tsx fake-discord-entry.ts <port>; prints one JSON line with the URLs once listening.
 */
import { startFakeDiscord } from '../../fake-discord/fake-discord-rest.ts';
import { FAKE_APPLICATIONS, FAKE_BOT_CREDENTIALS, FAKE_BOT_USERS } from './fake-bot-credentials.ts';

const port = Number(process.argv[2]);
const fake = await startFakeDiscord({
  port,
  tokens: {
    [FAKE_BOT_CREDENTIALS.duck]: {
      botUserId: FAKE_BOT_USERS.duck,
      applicationId: FAKE_APPLICATIONS.duck,
      username: 'duck',
    },
    [FAKE_BOT_CREDENTIALS.goose]: {
      botUserId: FAKE_BOT_USERS.goose,
      applicationId: FAKE_APPLICATIONS.goose,
      username: 'goose',
    },
  },
  // Short windows keep the tests quick while keeping Discord's shapes.
  rateLimits: {
    routes: {
      create_message: { limit: 5, windowMs: 1_000 },
      // Every gateway test starts a new session, and each asks GET /gateway/bot first.
      get_bot_gateway: { limit: 2, windowMs: 1_000 },
    },
    fallback: { limit: 5, windowMs: 1_000 },
  },
  gateway: { heartbeatIntervalMs: 1_000 },
});
process.stdout.write(
  `${JSON.stringify({ baseUrl: fake.baseUrl, restUrl: fake.restUrl, gatewayUrl: fake.gatewayUrl })}\n`,
);
const stop = () => void fake.stop().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
