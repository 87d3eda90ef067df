/**
 * The SQL of `TenantDocuments.find`, apart from the Durable Object so a test can ask any SQLite for
 * its query plan: equality on index fields, newest first.
 */
import {
  type DocumentCollection,
  documentSortKey,
  FIND_DEFAULT_LIMIT,
  type FindOptions,
} from '@promethean/shared/effects/document-store';

export interface FindQuery {
  sql: string;
  args: string[];
}

/**
 * `collection` and the keys of `fields` must already be validated (parseFind/parseCollection): the
 * collection is one of the fixed names and the keys are lowercase identifiers, so both may stand in
 * the SQL. The collection is a literal on purpose: with a bound parameter the planner could not use
 * the partial indexes of one collection (the crawler's `pages_by_*`).
 */
export function findQuery(
  collection: DocumentCollection,
  fields: Record<string, string>,
  o: FindOptions,
): FindQuery {
  const where = [`collection = '${collection}'`];
  const args: string[] = [];
  if (!o.includeDeleted) where.push('deleted = 0');
  if (o.before !== undefined) {
    where.push('sort_key < ?');
    args.push(documentSortKey(o.before));
  }
  for (const [key, value] of Object.entries(fields)) {
    where.push(`json_extract(index_json, '$.${key}') = ?`);
    args.push(value);
  }
  const limit = o.limit ?? FIND_DEFAULT_LIMIT;
  return {
    sql: `SELECT * FROM documents WHERE ${where.join(' AND ')} ORDER BY sort_key DESC LIMIT ${limit}`,
    args,
  };
}
