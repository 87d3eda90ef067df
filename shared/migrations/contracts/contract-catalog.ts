/**
 * Every data contract, derived from the zod schemas that validate what the stores hold: the stored-document
 * schema every adapter applies (`StoredDocumentInput`), the message slot payloads (the normalized events),
 * and the index and table layouts the adapters create. `npm run contracts` writes them to
 * `schemas/contracts/`; `contract-files.test.ts` fails when a schema changed and its contract file did not.
 */
import {
  SocialMessageCreated,
  SocialMessageDeleted,
  SocialMessageUpdated,
} from '@promethean/schemas/events/social-message';
import { z } from 'zod';
import { type DocumentCollection, NEAR_DUPLICATE_INDEX_KEYS } from '../../effects/document-store.ts';
import { StoredDocumentInput } from '../../effects/document-validation.ts';
import { CHUNKER_VERSIONS, MESSAGE_VECTOR_METADATA } from '../../effects/vector-schema.ts';
import { EdgeSlotSchemas, PageSlotSchemas } from '../../web/page-graph-slots.ts';
import type {
  DataContract,
  DocumentCollectionContract,
  IndexSpec,
  SqliteColumn,
  VectorCollectionContract,
} from './data-contract.ts';

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** What the message-indexer stores per slot (`functions/agents/message-indexer/message-document.ts`). */
export const MessageSlotSchemas = {
  created: SocialMessageCreated.payload.omit({ provider_payload: true }),
  edit: SocialMessageUpdated.payload.omit({ provider_payload: true }),
  deleted: z.object({ deleted_at: SocialMessageDeleted.payload.shape.deleted_at }),
} as const;

/** Indexes `MongoDocumentStore` creates on every document collection (records) and its slot log. */
export const MONGO_RECORD_INDEXES: IndexSpec[] = [
  {
    name: 'provider_1_tenant_1_foreign_id_1',
    keys: [
      ['provider', 1],
      ['tenant', 1],
      ['foreign_id', 1],
    ],
    unique: true,
  },
  {
    name: 'provider_1_tenant_1_deleted_1_sort_key_-1',
    keys: [
      ['provider', 1],
      ['tenant', 1],
      ['deleted', 1],
      ['sort_key', -1],
    ],
    unique: false,
  },
  {
    name: 'provider_1_tenant_1_index.channel_id_1_sort_key_-1',
    keys: [
      ['provider', 1],
      ['tenant', 1],
      ['index.channel_id', 1],
      ['sort_key', -1],
    ],
    unique: false,
  },
];
/** `pages` only: the near-duplicate lookups (`NEAR_DUPLICATE_INDEX_KEYS`), newest first. */
export const MONGO_PAGE_INDEXES: IndexSpec[] = NEAR_DUPLICATE_INDEX_KEYS.map((key) => ({
  name: `provider_1_tenant_1_index.${key}_1_sort_key_-1`,
  keys: [
    ['provider', 1],
    ['tenant', 1],
    [`index.${key}`, 1],
    ['sort_key', -1],
  ],
  unique: false,
}));
export const MONGO_SLOT_LOG_INDEXES: IndexSpec[] = [
  {
    name: 'provider_1_tenant_1_foreign_id_1',
    keys: [
      ['provider', 1],
      ['tenant', 1],
      ['foreign_id', 1],
    ],
    unique: false,
  },
];

/** The embedded store's table (`functions/storage/tenant-documents-schema.ts`), all collections in one. */
export const SQLITE_DOCUMENT_COLUMNS: SqliteColumn[] = [
  { name: 'collection', type: 'TEXT', notnull: true, pk: 1 },
  { name: 'provider', type: 'TEXT', notnull: true, pk: 2 },
  { name: 'tenant', type: 'TEXT', notnull: true, pk: 3 },
  { name: 'foreign_id', type: 'TEXT', notnull: true, pk: 4 },
  { name: 'sort_key', type: 'TEXT', notnull: true, pk: 0 },
  { name: 'urn', type: 'TEXT', notnull: true, pk: 0 },
  { name: 'index_json', type: 'TEXT', notnull: true, pk: 0 },
  { name: 'slots_json', type: 'TEXT', notnull: true, pk: 0 },
  { name: 'deleted', type: 'INTEGER', notnull: true, pk: 0 },
];
export const SQLITE_DOCUMENT_INDEXES = [
  'documents_by_channel',
  'documents_by_sort',
  'documents_live',
  ...NEAR_DUPLICATE_INDEX_KEYS.map((key) => `pages_by_${key}`),
];

const DOCUMENT_INVARIANTS = [
  {
    id: 'record-schema',
    description: 'every record decodes to a document that StoredDocumentInput accepts',
  },
  { id: 'live-has-foreign-id', description: 'no live document (no deleted slot) without a foreign_id' },
  {
    id: 'urn-in-scope',
    description:
      'the urn names the same provider and tenant as the document (urn:<provider>:<kind>:<tenant>:<id>)',
  },
  { id: 'slot-schema', description: 'every well-known slot value matches its slot schema' },
];

export function documentContract(
  collection: DocumentCollection,
  slots: Record<string, z.ZodType>,
  slotSources: string[],
): DocumentCollectionContract {
  return {
    contract: `documents.${collection}`,
    kind: 'document-collection',
    collection,
    derived_from: ['shared/effects/document-validation.ts#StoredDocumentInput', ...slotSources],
    record_schema: jsonSchema(StoredDocumentInput),
    slot_schemas: Object.fromEntries(Object.entries(slots).map(([name, s]) => [name, jsonSchema(s)])),
    invariants: DOCUMENT_INVARIANTS,
    mongodb: {
      indexes:
        collection === 'pages' ? [...MONGO_RECORD_INDEXES, ...MONGO_PAGE_INDEXES] : MONGO_RECORD_INDEXES,
      slot_log_indexes: MONGO_SLOT_LOG_INDEXES,
    },
    sqlite: { table: 'documents', columns: SQLITE_DOCUMENT_COLUMNS, indexes: SQLITE_DOCUMENT_INDEXES },
  };
}

/** The text derivation of `functions/agents/message-embedder/message-embedding.ts`: trimmed, first 8,000 chars. */
export const MESSAGE_CHUNKER_VERSION = CHUNKER_VERSIONS.messages;

export const MessagesVectorContract: VectorCollectionContract = {
  contract: 'vectors.messages',
  kind: 'vector-collection',
  collection: 'messages',
  derived_from: [
    'functions/agents/message-embedder/message-embedding.ts#metadataOf',
    'functions/models/model-settings.ts',
  ],
  embedding: { model: 'text-embedding-3-small', dimension: 1536 },
  distance: 'cosine',
  chunker_version: MESSAGE_CHUNKER_VERSION,
  metadata: MESSAGE_VECTOR_METADATA,
  collection_metadata: [
    'promethean:embedding_model',
    'promethean:embedding_dimension',
    'promethean:chunker_version',
    'promethean:target',
  ],
  invariants: [
    { id: 'pinned', description: 'the collection is pinned to one embedding model and dimension' },
    { id: 'vector-dimension', description: 'every vector has the pinned dimension' },
    {
      id: 'metadata-keys',
      description: 'every record has the required metadata keys, of the declared types',
    },
  ],
};

/** Every contract, keyed by its file name under `schemas/contracts/`. */
export function dataContracts(): Map<string, DataContract> {
  const messageSlots = [
    'schemas/events/social-message.ts#SocialMessageCreated',
    'schemas/events/social-message.ts#SocialMessageUpdated',
    'schemas/events/social-message.ts#SocialMessageDeleted',
  ];
  const contracts: DataContract[] = [
    documentContract('messages', MessageSlotSchemas, messageSlots),
    documentContract('attachments', {}, []),
    documentContract('jobs', {}, []),
    documentContract('voice', {}, []),
    // The web crawler's graph (docs/agents/web-crawler.md): pages keyed by their canonical URL's id, edges by both ends.
    documentContract('pages', PageSlotSchemas, ['shared/web/page-graph-slots.ts#PageSlotSchemas']),
    documentContract('edges', EdgeSlotSchemas, ['shared/web/page-graph-slots.ts#EdgeSlotSchemas']),
    MessagesVectorContract,
  ];
  return new Map(contracts.map((c) => [`${c.contract}.contract.json`, c]));
}

/** File name → text, exactly as committed. */
export function contractFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, contract] of dataContracts()) files.set(name, `${JSON.stringify(contract, null, 2)}\n`);
  return files;
}
