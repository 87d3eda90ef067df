/**
 * `tsx test/fake-discord/main.ts [--port 0] [--token T] [--bot-user-id ID] [--application-id ID]`
 * runs the fake for local dev, prints `{"restUrl","gatewayUrl"}` on one line, stops on SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startFakeDiscord } from './fake-discord-rest.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    token: { type: 'string', default: 'fake-discord-token' },
    'bot-user-id': { type: 'string', default: '100000000000000001' },
    'application-id': { type: 'string', default: '100000000000000002' },
    seed: { type: 'string', default: 'fake-discord' },
  },
});

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port must be an integer from 0 to 65535, got ${values.port}`);
  process.exit(2);
}

const fake = await startFakeDiscord({
  port,
  seed: values.seed,
  tokens: { [values.token]: { botUserId: values['bot-user-id'], applicationId: values['application-id'] } },
});
process.stdout.write(`${JSON.stringify({ restUrl: fake.restUrl, gatewayUrl: fake.gatewayUrl })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  fake.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error('fake-discord: stop failed', error);
      process.exit(1);
    },
  );
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
