/**
 * CLI for the model double: `npm run model-double -- [--port 8790] [--api-key KEY]`. Prints one JSON
 * line with the base URL (for the dev stack and benchmarks), then serves until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startModelDouble } from './model-double.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'api-key': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(
    'usage: npm run model-double -- [--port N] [--api-key KEY]\n' +
      'An OpenAI-compatible double on 127.0.0.1: /v1/chat/completions, /v1/embeddings,\n' +
      '/v1/audio/transcriptions, /v1/audio/speech; GET /_double/requests; POST /_double/faults.',
  );
  process.exit(0);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port must be 0..65535, got ${values.port}`);
  process.exit(2);
}

const double = await startModelDouble({ port, ...(values['api-key'] && { apiKey: values['api-key'] }) });
console.log(
  JSON.stringify({
    model_double: double.baseUrl,
    requests: double.baseUrl.replace(/\/v1$/, '/_double/requests'),
  }),
);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  await double.stop();
  console.error(`model double stopped (${signal}) after ${double.requests.length} requests`);
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
