/**
 * Which Chroma collection a tenant's vectors are read from and written to, kept in the tenant's document
 * store (`jobs`, id `vector-routing.<collection>`) so every writer and reader sees one answer, and a
 * migration flips it with one write. Versioned by a zero-padded revision: the slot merge keeps the newest.
 */
import type { DocumentStore } from '../../effects/document-store.ts';
import type { EmbeddingSpec, VectorCollection } from '../../effects/effect-ports.ts';
import { vectorCollectionName } from '../../effects/vector-schema.ts';

export interface RoutedCollection {
  name: string;
  spec: EmbeddingSpec;
}

export interface VectorRouting {
  revision: number;
  /** Searches read here. */
  read: RoutedCollection;
  /** Writes go to each of these whose pin matches the writer's model (two during dual-write). */
  write: RoutedCollection[];
  /** The migration that set this routing, for the status page and audits. */
  migration_id?: string;
}

export function routingId(collection: VectorCollection): string {
  return `vector-routing.${collection}`;
}

const REVISION_WIDTH = 12;

/** The routing in force, or undefined when none was ever written (then the default collection serves). */
export async function readRouting(
  documents: DocumentStore,
  collection: VectorCollection,
): Promise<VectorRouting | undefined> {
  const doc = await documents.get('jobs', routingId(collection));
  return doc?.slots.routing?.value as VectorRouting | undefined;
}

/** Writes the next revision; the caller passes the revision it read (a lower one than stored loses the merge). */
export async function writeRouting(
  documents: DocumentStore,
  scope: { provider: string; tenant: string },
  collection: VectorCollection,
  routing: Omit<VectorRouting, 'revision'>,
  previous: number,
): Promise<VectorRouting> {
  const next: VectorRouting = { ...routing, revision: previous + 1 };
  const id = routingId(collection);
  await documents.upsertMany('jobs', [
    {
      ...scope,
      foreign_id: id,
      urn: `urn:${scope.provider}:migration:${scope.tenant}:${id}`,
      index: { kind: 'vector-routing' },
      slots: { routing: { version: String(next.revision).padStart(REVISION_WIDTH, '0'), value: next } },
    },
  ]);
  return next;
}

/** The default collection name (what a tenant reads before any migration). */
export function defaultCollectionName(
  scope: { provider: string; tenant: string },
  collection: VectorCollection,
): string {
  return vectorCollectionName(scope.provider, scope.tenant, collection);
}
