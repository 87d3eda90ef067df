/**
 * One Discord message from the gateway to the document store's write, counting every schema parse on the
 * way: each boundary (the gateway's intake, the queue message, the document object's RPC) validates
 * once and passes the parsed value on. Fails the day a second parse of the envelope, the payload, the
 * documents or the tenant binding returns on this path.
 *
 * The real gateway publisher, QueueBroker, QueueConsumerRouter, message-indexer and document-store port
 * run here; the queue is a recording double (its bodies go through JSON like a queue's), and the
 * document object behind the port is `MemoryDocumentStore` behind a structured-clone "RPC", which
 * validates with the same `parseDocuments` TenantDocuments and MongoDocuments use.
 */

import { Envelope } from '@promethean/schemas/envelope';
import { SocialMessageCreated } from '@promethean/schemas/events/social-message';
import { sequentialIds } from '@promethean/shared/agent/envelope-factory';
import { RecordingSink } from '@promethean/shared/agent/telemetry';
import { QueueBroker } from '@promethean/shared/broker/queue-broker';
import { QueueConsumerRouter } from '@promethean/shared/broker/queue-consumer-router';
import { refusingInvalid } from '@promethean/shared/effects/document-refusal';
import type { DocumentCollection, StoredDocument } from '@promethean/shared/effects/document-store';
import { DocumentsInput } from '@promethean/shared/effects/document-validation';
import { MemoryDocumentStore } from '@promethean/shared/effects/memory-document-store';
import { InvalidDocumentError } from '@promethean/shared/effects/storage-errors';
import { FakeClock } from '@promethean/shared/testing/fake-clock';
import { RecordingQueue, recordedBatch } from '@promethean/shared/testing/queue-batch-double';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { dispatchEnvelopes } from '../../durable-objects/gateway/dispatch-publisher.ts';
import { messageIndexer } from '../../functions/agents/message-indexer/handler.ts';
import {
  type DocumentObjectNamespace,
  DurableObjectDocumentStore,
} from '../../functions/storage/durable-object-document-store.ts';
import { testRegistry } from '../harness/recording-runtime.ts';

const BOT = '900000000000000101';
const clock = new FakeClock(Date.UTC(2026, 11, 2, 23));

function messageCreate(id: string) {
  return {
    id,
    channel_id: '700000000000000077',
    guild_id: '800000000000000001',
    author: { id: '300000000000000001', username: 'ada', global_name: 'Ada L', bot: false },
    content: 'the pond is calm today',
    timestamp: '2026-12-02T23:00:00.000000+00:00',
    edited_timestamp: null,
    mentions: [],
    mention_roles: [],
    mention_everyone: false,
    attachments: [],
    type: 0,
    tts: false,
    pinned: false,
    embeds: [],
    flags: 0,
  };
}

/** The document object's side of the RPC: arguments arrive as structured clones and are validated there. */
function documentObject(store: MemoryDocumentStore) {
  const calls = { upsertChecked: 0 };
  const copy = <T>(v: T): T => structuredClone(v);
  const stub = new Proxy(
    {
      upsertChecked: (collection: DocumentCollection, docs: StoredDocument[], options?: object) => {
        calls.upsertChecked++;
        return refusingInvalid(() => store.upsertMany(copy(collection), copy(docs), copy(options)));
      },
    } as Record<string, unknown>,
    {
      get: (target, name: string) =>
        target[name] ??
        ((...args: unknown[]) =>
          (store as unknown as Record<string, (...a: unknown[]) => unknown>)[name]!(...args.map(copy))),
    },
  );
  const namespace = { idFromName: (n: string) => n, get: () => stub } as unknown as DocumentObjectNamespace;
  return { namespace, calls };
}

function setup() {
  const events = new RecordingQueue();
  const broker = new QueueBroker({
    queues: { BUS_EVENTS: events.asQueue(), BUS_ACCESS: new RecordingQueue().asQueue() },
  });
  // Scoped like TenantDocuments, whose scope comes from its object name.
  const store = new MemoryDocumentStore({ provider: 'discord', tenant: 'duck' });
  const object = documentObject(store);
  const router = new QueueConsumerRouter({
    agents: [messageIndexer],
    broker,
    deadLetters: { send: async () => {} },
    deps: {
      registry: testRegistry(),
      broker,
      ports: (view) => ({
        documents: new DurableObjectDocumentStore(object.namespace, view.provider, view.tenant),
      }),
      sink: new RecordingSink(),
      clock,
      ids: sequentialIds('out'),
      runtimeIds: sequentialIds('rt'),
    },
  });
  return { events, broker, store, object, router };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('one validation per boundary, gateway to document row', () => {
  it('parses the envelope once, the payload once per boundary and the documents once', async () => {
    const { events, broker, store, object, router } = setup();
    const envelopeParses = vi.spyOn(Envelope, 'safeParse');
    const payloadParses = vi.spyOn(SocialMessageCreated.payload, 'safeParse');
    const documentParses = vi.spyOn(DocumentsInput, 'safeParse');

    // Boundary 1, the gateway's intake: the dispatch becomes a validated envelope, sent as it is.
    const tenant = testRegistry().tenant('discord', 'duck');
    const outcome = dispatchEnvelopes(
      tenant,
      'session-1',
      7,
      'MESSAGE_CREATE',
      messageCreate('1100000000000000901'),
      BOT,
      '2026-12-02T23:00:01.000Z',
      'lean',
    );
    await broker.publishMany(outcome.published);
    expect(payloadParses).toHaveBeenCalledTimes(1);
    expect(envelopeParses).toHaveBeenCalledTimes(0);

    // Boundary 2, the queue message: parsed once by the router, then handed to the agent as it is.
    const sent = events.sent.map((m) => JSON.parse(JSON.stringify(m.body)) as unknown);
    expect(sent).toHaveLength(1);
    const report = await router.consume(
      recordedBatch(
        'promethean-events',
        sent.map((body, i) => ({ id: `m${i}`, body })),
      ),
    );
    expect([...report.values()].map((r) => r.settlement)).toEqual(['ack']);
    expect(envelopeParses).toHaveBeenCalledTimes(1);
    expect(payloadParses).toHaveBeenCalledTimes(2);

    // Boundary 3, the document object's RPC: each upsert's documents (and their tenant) checked there only.
    expect(object.calls.upsertChecked).toBeGreaterThan(0);
    expect(documentParses).toHaveBeenCalledTimes(object.calls.upsertChecked);
    expect(await store.count('messages')).toBe(1);
  });

  it('still refuses documents of another tenant with the typed, non-retriable error', async () => {
    const { object } = setup();
    const port = new DurableObjectDocumentStore(object.namespace, 'discord', 'duck');
    const foreign = {
      provider: 'discord',
      tenant: 'other',
      foreign_id: '1',
      urn: 'urn:discord:message:other:1',
      index: {},
      slots: {},
    } as unknown as StoredDocument;
    await expect(port.upsertMany('messages', [foreign])).rejects.toBeInstanceOf(InvalidDocumentError);
    await expect(port.upsertMany('messages', [foreign])).rejects.toThrow(/documents of another tenant/);
  });
});
