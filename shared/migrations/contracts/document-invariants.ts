/** Checks stored documents against a document contract's record schema, slot schemas and invariants. */
import type { z } from 'zod';
import type { StoredDocument } from '../../effects/document-store.ts';
import { StoredDocumentInput } from '../../effects/document-validation.ts';
import { EdgeSlotSchemas, PageSlotSchemas } from '../../web/page-graph-slots.ts';
import { MessageSlotSchemas } from './contract-catalog.ts';
import type { ContractDiffEntry, DocumentCollectionContract } from './data-contract.ts';

/** The zod schemas behind each contract's `slot_schemas` (the JSON Schema in the file is their rendering). */
const SLOT_SCHEMAS: Record<string, Record<string, z.ZodType>> = {
  'documents.messages': MessageSlotSchemas,
  'documents.pages': PageSlotSchemas,
  'documents.edges': EdgeSlotSchemas,
};

/** `urn:<provider>:<kind>:<tenant>:<id>` → provider and tenant, or undefined for a malformed urn. */
function urnScope(urn: string): { provider: string; tenant: string } | undefined {
  const parts = urn.split(':');
  if (parts.length < 5 || parts[0] !== 'urn') return undefined;
  return { provider: parts[1]!, tenant: parts[3]! };
}

/** One entry per failing aspect, counting the documents and naming up to five. */
export function documentDiffs(
  store: ContractDiffEntry['store'],
  contract: DocumentCollectionContract,
  location: string,
  docs: readonly unknown[],
): ContractDiffEntry[] {
  const failures = new Map<string, { declared: unknown; actual: unknown; ids: string[] }>();
  const fail = (aspect: string, id: string, declared: unknown, actual: unknown) => {
    const entry = failures.get(aspect) ?? { declared, actual, ids: [] };
    entry.ids.push(id);
    failures.set(aspect, entry);
  };
  const slotSchemas = SLOT_SCHEMAS[contract.contract] ?? {};
  for (const raw of docs) {
    const id = String((raw as { foreign_id?: unknown })?.foreign_id ?? '(no foreign_id)');
    const parsed = StoredDocumentInput.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const path = issue?.path.join('.') ?? '';
      const live = (raw as Partial<StoredDocument>)?.slots?.deleted === undefined;
      if (path === 'foreign_id' && live) fail('invariant:live-has-foreign-id', id, 'a foreign_id', 'none');
      else
        fail('invariant:record-schema', id, 'StoredDocumentInput', `${path}: ${issue?.message ?? 'invalid'}`);
      continue;
    }
    const doc = parsed.data;
    const scope = urnScope(doc.urn);
    if (scope?.provider !== doc.provider || scope?.tenant !== doc.tenant) {
      fail('invariant:urn-in-scope', id, `${doc.provider}/${doc.tenant}`, doc.urn);
    }
    for (const [slot, schema] of Object.entries(slotSchemas)) {
      const value = doc.slots[slot]?.value;
      if (value === undefined) continue;
      const result = schema.safeParse(value);
      if (!result.success) {
        const issue = result.error.issues[0];
        fail(`invariant:slot-schema:${slot}`, id, slot, `${issue?.path.join('.')}: ${issue?.message}`);
      }
    }
  }
  return [...failures.entries()].map(([aspect, f]) => ({
    store,
    contract: contract.contract,
    location,
    aspect,
    declared: f.declared,
    actual: f.actual,
    count: f.ids.length,
    examples: f.ids.slice(0, 5),
  }));
}
