/**
 * The zod rules every DocumentStore adapter applies to what it is given (and every storage Durable Object to
 * its RPC input), so all adapters accept and refuse exactly the same documents and queries.
 */
import { ForeignId, SegmentName, UrnString } from '@promethean/schemas/identifiers';
import { z } from 'zod';
import {
  type DocumentCollection,
  FIND_MANY_MAX,
  FIND_MAX_LIMIT,
  type FindOptions,
  type FindQuery,
  GET_MANY_MAX,
  type StoredDocument,
} from './document-store.ts';
import { InvalidDocumentError } from './storage-errors.ts';

/** Index keys become database field names and query paths: lowercase identifiers only. */
export const IndexKey = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'index keys must be a-z, 0-9 or _, starting with a letter');

export const DocumentCollectionName = z.enum([
  'messages',
  'attachments',
  'jobs',
  'voice',
  'pages',
  'edges',
  'crawl',
  'embeddings',
  'config',
]);

/**
 * Where `value` stops being plain JSON (what every store can keep exactly), or undefined when it is JSON.
 * Object properties that are `undefined` are allowed: JSON drops them, as every store does.
 */
export function jsonProblem(value: unknown, path = 'value'): string | undefined {
  const problem = problemWithin(value, 0);
  return problem && `${path}${problem.at.reverse().join('')}: ${problem.message}`;
}

/** What is wrong and where, the innermost step first (each level adds its own on the way out). */
interface JsonProblem {
  at: string[];
  message: string;
}

/**
 * Every document of a write passes through here at each store boundary, so the walk builds no path string
 * and no iterator per value: the path is put together only on the way out of a problem.
 */
function problemWithin(value: unknown, depth: number): JsonProblem | undefined {
  if (depth > 64) return { at: [], message: 'nested deeper than 64 levels' };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number')
    return Number.isFinite(value) ? undefined : { at: [], message: `${value} is not JSON` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const problem =
        item === undefined ? { at: [], message: 'undefined is not JSON' } : problemWithin(item, depth + 1);
      if (problem) {
        problem.at.push(`[${i}]`);
        return problem;
      }
    }
    return undefined;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record);
    for (let i = 0; i < keys.length; i++) {
      const item = record[keys[i]!];
      if (item === undefined) continue;
      const problem = problemWithin(item, depth + 1);
      if (problem) {
        problem.at.push(`.${keys[i]}`);
        return problem;
      }
    }
    return undefined;
  }
  const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  return { at: [], message: `a ${kind} is not JSON` };
}

const JsonValue = z.unknown().superRefine((value, ctx) => {
  const problem = jsonProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const DocumentSlotInput = z.object({ version: z.string(), value: JsonValue }).strict();

export const StoredDocumentInput = z
  .object({
    provider: SegmentName,
    tenant: SegmentName,
    foreign_id: ForeignId,
    urn: UrnString,
    index: z.record(IndexKey, z.string()),
    slots: z.record(z.string().min(1).max(128), DocumentSlotInput),
  })
  .strict();

export const FindOptionsInput = z
  .object({
    limit: z.number().int().min(1).max(FIND_MAX_LIMIT).optional(),
    before: ForeignId.optional(),
    includeDeleted: z.boolean().optional(),
  })
  .strict();

export const CountOptionsInput = z.object({ includeDeleted: z.boolean().optional() }).strict();
export const UpsertOptionsInput = z.object({ returnDocuments: z.boolean().optional() }).strict();

/** The provider+tenant a store serves; documents of any other tenant are refused. */
export interface DocumentScope {
  provider: string;
  tenant: string;
}

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string, scope?: DocumentScope): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidDocumentError(`invalid ${what}`, issuesOf(result.error), scope);
  return result.data;
}

/** Validates a collection name. */
export function parseCollection(value: unknown, scope?: DocumentScope): DocumentCollection {
  return parse(DocumentCollectionName, value, 'document collection', scope);
}

/** An upsert's documents (one schema for every call; tests count its parses per boundary). */
export const DocumentsInput = z.array(StoredDocumentInput);

/** Validates documents for `upsertMany`; with a scope, also refuses documents of another provider or tenant. */
export function parseDocuments(value: unknown, scope?: DocumentScope): StoredDocument[] {
  const docs = parse(DocumentsInput, value, 'documents', scope) as StoredDocument[];
  if (scope) {
    const foreign = docs.filter((d) => d.provider !== scope.provider || d.tenant !== scope.tenant);
    if (foreign.length > 0) {
      throw new InvalidDocumentError(
        'documents of another tenant',
        foreign.slice(0, 5).map((d) => `${d.foreign_id} belongs to ${d.provider}/${d.tenant}`),
        scope,
      );
    }
  }
  return docs;
}

const FindIndexInput = z.record(IndexKey, z.string());
const ForeignIdList = z.array(z.unknown()).max(GET_MANY_MAX);

/** Validates a `find` query: index keys and options. */
export function parseFind(
  index: unknown,
  options: unknown,
  scope?: DocumentScope,
): { index: Record<string, string>; options: FindOptions } {
  return {
    index: parse(FindIndexInput, index, 'find index', scope),
    options: parse(FindOptionsInput, options ?? {}, 'find options', scope),
  };
}

const FindManyInput = z
  .array(z.object({ index: FindIndexInput, options: FindOptionsInput.optional() }).strict())
  .min(1)
  .max(FIND_MANY_MAX);

/** Validates a `findMany` call's queries: 1..`FIND_MANY_MAX`, each as `find` takes its index and options. */
export function parseFindMany(queries: unknown, scope?: DocumentScope): FindQuery[] {
  return parse(FindManyInput, queries, 'findMany queries', scope);
}

/** Validates `count` options. */
export function parseCountOptions(value: unknown, scope?: DocumentScope): { includeDeleted?: boolean } {
  return parse(CountOptionsInput, value ?? {}, 'count options', scope);
}

/** Validates `upsertMany`'s options. */
export function parseUpsertOptions(value: unknown, scope?: DocumentScope): { returnDocuments?: boolean } {
  return parse(UpsertOptionsInput, value ?? {}, 'upsert options', scope);
}

/** The ids of a `getMany` call, each checked like `get`'s, deduplicated, at most GET_MANY_MAX. */
export function parseForeignIds(values: unknown, scope?: DocumentScope): string[] {
  const ids = parse(ForeignIdList, values, 'foreign id list', scope);
  return [...new Set(ids.map((v) => parseForeignId(v, scope)))];
}

/** Validates a foreign id given to `get`. */
export function parseForeignId(value: unknown, scope?: DocumentScope): string {
  return parse(ForeignId, value, 'foreign id', scope);
}
