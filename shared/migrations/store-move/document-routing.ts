/**
 * Which document store serves a tenant's reads and takes its writes while a store move runs (and after:
 * a finished move leaves `read` on the new store, overriding providers.yml). Kept in the control store so
 * every reader and writer sees one answer and a migration flips it with one compare-and-set.
 */
import { z } from 'zod';
import { ControlConflictError, type ControlStore } from '../control-store.ts';

export const DocumentBackend = z.enum(['sqlite', 'mongodb']);
export type DocumentBackend = z.infer<typeof DocumentBackend>;

export const DocumentRouting = z.object({
  revision: z.number().int().min(1),
  /** Reads (get, find, count) go here; it is also the primary write, whose failure fails the call. */
  read: DocumentBackend,
  /** Every write goes to each of these (two during dual-write). */
  write: z.array(DocumentBackend).min(1),
  migration_id: z.string().optional(),
});
export type DocumentRouting = z.infer<typeof DocumentRouting>;

export const DOCUMENT_ROUTING_KEY = 'document_routing';

export async function readDocumentRouting(
  control: ControlStore,
): Promise<{ routing: DocumentRouting | undefined; raw: string | null }> {
  const raw = (await control.readMeta(DOCUMENT_ROUTING_KEY)) ?? null;
  return { routing: raw === null ? undefined : DocumentRouting.parse(JSON.parse(raw)), raw };
}

/** Writes the next revision over what the caller read (`raw`); a concurrent change is a conflict. */
export async function writeDocumentRouting(
  control: ControlStore,
  raw: string | null,
  routing: Omit<DocumentRouting, 'revision'>,
): Promise<DocumentRouting> {
  const previous = raw === null ? 0 : DocumentRouting.parse(JSON.parse(raw)).revision;
  const next = DocumentRouting.parse({ ...routing, revision: previous + 1 });
  if (!(await control.compareAndSetMeta(DOCUMENT_ROUTING_KEY, raw, JSON.stringify(next)))) {
    throw new ControlConflictError(DOCUMENT_ROUTING_KEY);
  }
  return next;
}
