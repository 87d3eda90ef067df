/**
 * MongoDocuments: one Durable Object per provider+tenant that owns the tenant's MongoDB connection. It keeps
 * the `MongoClient` warm across requests (a cold connect from a Worker costs ~300 ms, a warm one ~35 ms)
 * and serves the same RPC surface as `TenantDocuments`, so the DocumentStore client is the same for both.
 * Merges are optimistic (see `MongoDocumentStore`): several requests may be in flight here at once, and
 * other deployments may write the same database.
 */
import { DurableObject } from 'cloudflare:workers';
import type { DocumentChange, ScanPage } from '@promethean/shared/effects/document-change-log';
import { type DocumentRefusal, refusingInvalid } from '@promethean/shared/effects/document-refusal';
import {
  type DocumentCollection,
  type FindOptions,
  type FindQuery,
  findEach,
  type StoredDocument,
  type UpsertOptions,
  type UpsertResult,
} from '@promethean/shared/effects/document-store';
import { type DocumentScope, parseFindMany } from '@promethean/shared/effects/document-validation';
import { MongoDocumentStore } from '@promethean/shared/effects/mongo-document-store';
import { StorageConfigurationError } from '@promethean/shared/effects/storage-errors';
import { parseDataTarget } from '@promethean/shared/migrations/target-marker';
import { MongoClient } from 'mongodb';
import { documentScopeOf } from './document-object-name.ts';
import { readStorageEnv } from './storage-env.ts';

/** Few connections per tenant object: requests are short and one object serves one tenant. */
const CLIENT_OPTIONS = {
  appName: 'promethean-functions',
  maxPoolSize: 8,
  minPoolSize: 0,
  maxIdleTimeMS: 60_000,
  serverSelectionTimeoutMS: 5_000,
  connectTimeoutMS: 5_000,
  ignoreUndefined: true,
} as const;

export class MongoDocuments extends DurableObject<FunctionsEnv> {
  #client: MongoClient | undefined;
  #clientUri: string | undefined;
  #store: MongoDocumentStore | undefined;

  /** The store over the warm client; a changed MONGODB_URI (a new secret) replaces the client. */
  #storeFor(): MongoDocumentStore {
    const scope = this.#scope();
    const uri = readStorageEnv(this.env).mongodbUri;
    if (!uri) {
      throw new StorageConfigurationError(
        `tenant ${scope.provider}/${scope.tenant} stores documents in MongoDB but MONGODB_URI is not set ` +
          'on promethean-functions',
        'MONGODB_URI',
        scope,
      );
    }
    if (this.#store && this.#clientUri === uri) return this.#store;
    const previous = this.#client;
    try {
      this.#client = new MongoClient(uri, CLIENT_OPTIONS);
    } catch (cause) {
      throw new StorageConfigurationError(
        `MONGODB_URI is not usable: ${cause instanceof Error ? cause.message : String(cause)}`,
        'MONGODB_URI',
        scope,
      );
    }
    this.#clientUri = uri;
    this.#store = new MongoDocumentStore(this.#client, scope, {
      target: parseDataTarget(this.env.DATA_TARGET ?? 'working', 'DATA_TARGET'),
    });
    if (previous) this.ctx.waitUntil(previous.close().catch(() => undefined));
    return this.#store;
  }

  #scope(): DocumentScope {
    const scope = documentScopeOf(this.ctx.id);
    if (!scope) {
      throw new StorageConfigurationError(
        `MongoDocuments must be reached by idFromName("<provider>:<tenant>"), not "${this.ctx.id.name ?? this.ctx.id}"`,
        'MONGO_DOCUMENTS',
      );
    }
    return scope;
  }

  /**
   * `upsertMany` for the DocumentStore port: this object validates what it receives (the RPC boundary;
   * the port does not validate first) and answers a refusal as data, since an error's class would not
   * survive the trip back.
   */
  async upsertChecked(
    collection: DocumentCollection,
    docs: StoredDocument[],
    options?: UpsertOptions,
  ): Promise<UpsertResult | DocumentRefusal> {
    return refusingInvalid(() => this.upsertMany(collection, docs, options));
  }

  async upsertMany(
    collection: DocumentCollection,
    docs: StoredDocument[],
    options?: UpsertOptions,
  ): Promise<UpsertResult> {
    return this.#storeFor().upsertMany(collection, docs, options);
  }

  async get(collection: DocumentCollection, foreignId: string): Promise<StoredDocument | undefined> {
    return this.#storeFor().get(collection, foreignId);
  }

  async getMany(collection: DocumentCollection, foreignIds: string[]): Promise<StoredDocument[]> {
    return this.#storeFor().getMany(collection, foreignIds);
  }

  async find(
    collection: DocumentCollection,
    index: Record<string, string>,
    options: FindOptions = {},
  ): Promise<StoredDocument[]> {
    return this.#storeFor().find(collection, index, options);
  }

  /** `findMany` over the RPC: the queries checked here (their number too), then each asked of MongoDB. */
  async findMany(collection: DocumentCollection, queries: FindQuery[]): Promise<StoredDocument[][]> {
    return findEach(this.#storeFor(), collection, parseFindMany(queries, this.#scope()));
  }

  async count(collection: DocumentCollection, options: { includeDeleted?: boolean } = {}): Promise<number> {
    return this.#storeFor().count(collection, options);
  }

  async changeHead(): Promise<number> {
    return this.#storeFor().changeHead();
  }

  async changesAfter(after: number, limit: number): Promise<DocumentChange[]> {
    return this.#storeFor().changesAfter(after, limit);
  }

  async scanPage(collection: DocumentCollection, after: string | null, limit: number): Promise<ScanPage> {
    return this.#storeFor().scanPage(collection, after, limit);
  }

  async purge(collection: DocumentCollection): Promise<number> {
    return this.#storeFor().purge(collection);
  }

  /** `DocumentChangeLog.restore` over RPC (a store move's repair); a refusal comes back as data. */
  async restoreChecked(
    collection: DocumentCollection,
    scope: DocumentScope,
    docs: StoredDocument[],
    remove: string[],
  ): Promise<{ restored: number } | DocumentRefusal> {
    return refusingInvalid(async () => ({
      restored: await this.#storeFor().restore(collection, scope, docs, remove),
    }));
  }

  /** The database this object writes to (operators and tests check it). */
  async databaseName(): Promise<string> {
    return this.#storeFor().databaseName;
  }
}
