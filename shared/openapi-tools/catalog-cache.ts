/**
 * The tool catalog, cached by the SHA-256 of its OpenAPI document: rebuilt only when the document changes,
 * and the hash goes with the catalog so a model's prompt cache and our logs can tell versions apart.
 */
import { buildToolCatalog, type ToolCatalog } from './tool-catalog.ts';

export interface HashedCatalog extends ToolCatalog {
  /** Hex SHA-256 of the canonical JSON of the document the catalog was built from. */
  hash: string;
}

/** JSON with object keys sorted, so the same document always hashes alike whatever its key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export async function documentHash(doc: unknown): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonicalJson(doc)));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Keeps the catalog of the last document seen; `builds` counts rebuilds (tests assert it). */
export class CatalogCache {
  #current: HashedCatalog | undefined;
  /** The document object last hashed: the same object again skips hashing (documents are not mutated). */
  #lastDoc: unknown;
  builds = 0;

  async catalogFor(doc: unknown): Promise<HashedCatalog> {
    if (this.#current && doc === this.#lastDoc) return this.#current;
    const hash = await documentHash(doc);
    this.#lastDoc = doc;
    if (this.#current?.hash === hash) return this.#current;
    this.builds += 1;
    this.#current = { ...buildToolCatalog(doc), hash };
    return this.#current;
  }
}
