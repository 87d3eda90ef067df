/**
 * The short form of `npm run bench:cost` (test/bench/cost-run.ts): live gateway traffic through both Workers,
 * Chroma and the model double, at a small message count. It checks what the benchmark's figures rest on, and
 * no timing: every dispatched message is stored once as a document and once as a vector, none is lost or
 * duplicated, each message has a freshness, and the ledger's counts and the prices give a cost per message.
 * The long form (10,000 messages, with the baseline) stays behind the bench script.
 */
import { expect, it } from 'vitest';
import { runCostStack } from '../bench/cost-run.ts';

const MESSAGES = 120;

it('stores every live message once, document and vector, and prices what it cost', async () => {
  const run = await runCostStack({
    mode: 'lean',
    messages: MESSAGES,
    rate: 200,
    launcher: 'miniflare',
    settleMs: 1_200,
    storedWithinMs: 60_000,
    log: () => undefined,
  });
  expect(run.lost).toBe(0);
  expect(run.duplicated).toBe(0);
  expect(run.documents).toBe(MESSAGES);
  expect(run.vectors).toBe(MESSAGES);
  // A freshness for every message: each vector was seen arriving, in Chroma's insertion order.
  expect(run.vector_freshness_exact).toBe(true);
  expect(run.vector_freshness_p95_ms).toBeGreaterThanOrEqual(run.vector_freshness_p50_ms);
  expect(run.document_freshness_p95_ms).toBeGreaterThanOrEqual(run.document_freshness_p50_ms);
  expect(run.document_freshness_p50_ms).toBeGreaterThan(0);
  const m = run.per_message;
  // The live path went through the bus, the Durable Objects, the store and the model: all counted.
  expect(m.queue_writes).toBeGreaterThan(0);
  expect(m.queue_reads).toBeGreaterThan(0);
  expect(m.durable_object_requests).toBeGreaterThan(0);
  // Each message is at least its document row (the embedding cache and the change log add more).
  expect(m.rows_written).toBeGreaterThanOrEqual(1);
  // Every text was embedded once (a cache miss each: the texts differ), in fewer requests than texts.
  expect(m.embed_texts).toBeGreaterThanOrEqual(1);
  expect(m.embedding_requests).toBeGreaterThan(0);
  expect(m.embedding_requests).toBeLessThanOrEqual(m.embed_texts ?? 0);
  expect(m.cpu_ms).toBeGreaterThan(0);
  for (const [k, v] of Object.entries(m)) expect(Number.isFinite(v), k).toBe(true);
  expect(run.usd_per_million_compute_bus).toBeGreaterThan(0);
  expect(run.usd_per_million_storage).toBeGreaterThan(0);
  expect(run.usd_per_million_compute_bus_without_cpu).toBeLessThan(run.usd_per_million_compute_bus);
}, 180_000);
