/**
 * `npm run --silent bench:embedding-encoding -- --json`: what the model port spends reading embeddings
 * sent as JSON floats (`EMBED_ENCODING=float`) against packed float32 (`base64`, the default). A server on
 * 127.0.0.1 answers every request with the same dense vectors, prepared once per encoding, so the figures
 * are the port's own work: the OpenAI client's request, the JSON parse, the unpacking. The model double's
 * vectors are sparse (hashed features, mostly zeros), which hides the difference; real models' are dense.
 * Baseline: `float`, measured in the same run. Last line: one JSON object.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { readModelSettings } from '@promethean/functions/models/model-settings';
import { OpenAiModelPort } from '@promethean/functions/models/openai-model-port';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    batches: { type: 'string', default: '40' },
    'batch-size': { type: 'string', default: '100' },
    dimension: { type: 'string', default: '1536' },
  },
});
const BATCHES = Number(values.batches);
const BATCH = Number(values['batch-size']);
const DIMENSION = Number(values.dimension);
const log = (line: string) => (values.json ? console.error(line) : console.log(line));

/** Dense unit-scale float32 values, as a real embedding model returns them (seeded, deterministic). */
function denseVector(seed: number): Float32Array {
  const v = new Float32Array(DIMENSION);
  let x = seed + 1;
  for (let i = 0; i < DIMENSION; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    v[i] = (x / 2147483648 - 0.5) * 0.1;
  }
  return v;
}

function responseBody(encoding: 'float' | 'base64'): string {
  const data = Array.from({ length: BATCH }, (_, index) => {
    const v = denseVector(index);
    const embedding =
      encoding === 'base64'
        ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')
        : Array.from(v);
    return { object: 'embedding', index, embedding };
  });
  return JSON.stringify({
    object: 'list',
    data,
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: BATCH, total_tokens: BATCH },
  });
}

const bodies = { float: responseBody('float'), base64: responseBody('base64') };
const server = createServer((req, res) => {
  let raw = '';
  req.on('data', (c: Buffer) => {
    raw += c.toString();
  });
  req.on('end', () => {
    const format = (JSON.parse(raw) as { encoding_format?: string }).encoding_format;
    const body = format === 'base64' ? bodies.base64 : bodies.float;
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;

async function measure(encoding: 'float' | 'base64') {
  const port = new OpenAiModelPort(
    readModelSettings({
      MODEL_BASE_URL: baseUrl,
      MODEL_API_KEY: 'bench-key',
      EMBED_DIMENSIONS: String(DIMENSION),
      EMBED_ENCODING: encoding,
    }),
    { provider: 'bench', tenant: 'bench' },
  );
  const texts = Array.from({ length: BATCH }, (_, i) => `text ${i}`);
  for (let i = 0; i < 3; i++) await port.embed(texts);
  const cpu = process.cpuUsage();
  const started = performance.now();
  let last: number[][] = [];
  for (let i = 0; i < BATCHES; i++) last = (await port.embed(texts)).vectors;
  const used = process.cpuUsage(cpu);
  return {
    cpu_ms_per_vector: (used.user + used.system) / 1000 / (BATCHES * BATCH),
    wall_ms_per_vector: (performance.now() - started) / (BATCHES * BATCH),
    response_bytes_per_vector: Buffer.byteLength(bodies[encoding]) / BATCH,
    last,
  };
}

try {
  log(`${BATCHES} requests of ${BATCH} dense ${DIMENSION}-float vectors per encoding, float first`);
  const float = await measure('float');
  const base64 = await measure('base64');
  // Both encodings carry the same float32 values: every vector of a request must read back identical.
  const packedEqualsFloat = JSON.stringify(float.last) === JSON.stringify(base64.last);
  const round = (x: number) => Math.round(x * 10000) / 10000;
  console.log(
    JSON.stringify({
      bench: 'embedding-encoding',
      vectors_per_encoding: BATCHES * BATCH,
      dimension: DIMENSION,
      baseline: 'float (JSON numbers), same run',
      float: {
        cpu_ms_per_vector: round(float.cpu_ms_per_vector),
        wall_ms_per_vector: round(float.wall_ms_per_vector),
        response_bytes_per_vector: Math.round(float.response_bytes_per_vector),
      },
      base64: {
        cpu_ms_per_vector: round(base64.cpu_ms_per_vector),
        wall_ms_per_vector: round(base64.wall_ms_per_vector),
        response_bytes_per_vector: Math.round(base64.response_bytes_per_vector),
      },
      cpu_ratio_base64_to_float: round(base64.cpu_ms_per_vector / float.cpu_ms_per_vector),
      bytes_ratio_base64_to_float: round(base64.response_bytes_per_vector / float.response_bytes_per_vector),
      same_values: packedEqualsFloat,
    }),
  );
} finally {
  server.close();
}
