/**
 * The fake Discord as `npm run dev` runs it: the dev tenants' local credentials, Discord's documented
 * limits, one seeded channel with history, and the fake voice server (VOICE_SERVER_UPDATE points at it).
 * Prints `{"baseUrl","restUrl","gatewayUrl","voiceEndpoint","voiceCaPath"}` once listening: a voice host
 * process must trust `voiceCaPath` (NODE_EXTRA_CA_CERTS) to dial the fake's `wss://` voice gateway.
 */
import { DEV_FAKE_BOTS, DEV_FAKE_CREDENTIALS } from '../../durable-objects/dev/dev-discord.ts';
import { startFakeDiscord } from './fake-discord-rest.ts';

const fake = await startFakeDiscord({
  port: Number(process.argv[2] ?? 0),
  tokens: {
    [DEV_FAKE_CREDENTIALS.duck]: { ...DEV_FAKE_BOTS.duck, username: 'duck' },
    [DEV_FAKE_CREDENTIALS.goose]: { ...DEV_FAKE_BOTS.goose, username: 'goose' },
  },
  voice: true,
});
fake.state.seedChannel('700000000000000001', {
  guildId: '800000000000000001',
  messages: 250,
  name: 'general',
});
process.stdout.write(
  `${JSON.stringify({
    baseUrl: fake.baseUrl,
    restUrl: fake.restUrl,
    gatewayUrl: fake.gatewayUrl,
    voiceEndpoint: fake.voice?.endpoint,
    voiceCaPath: fake.voice?.ca.caPath,
  })}\n`,
);
// Open sockets from the Workers can keep a graceful close waiting; never outlive the dev stack for it.
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  setTimeout(() => process.exit(0), 2_000).unref();
  void fake.stop().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
if (process.env.PROMETHEAN_EXIT_WITH_PARENT === '1') {
  // The dev stack holds the other end of stdin: when it is gone (even killed outright), stop too.
  process.stdin.once('end', stop);
  process.stdin.once('close', stop);
  process.stdin.resume();
}
