/**
 * Where a tenant's migration control values live (document routing, migration state): small JSON strings
 * written by compare-and-set, so two migration workers racing on one step cannot both win. On the platform
 * this is the `promethean_meta` table of the tenant's `TenantDocuments` object, which exists for every
 * tenant whichever store holds its documents; tests use `MemoryControlStore`.
 */
export interface ControlStore {
  readMeta(key: string): Promise<string | undefined>;
  /** Writes only when the stored value is still `expected` (null: absent); answers whether it wrote. */
  compareAndSetMeta(key: string, expected: string | null, value: string): Promise<boolean>;
}

export class MemoryControlStore implements ControlStore {
  readonly #values = new Map<string, string>();

  async readMeta(key: string): Promise<string | undefined> {
    return this.#values.get(key);
  }

  async compareAndSetMeta(key: string, expected: string | null, value: string): Promise<boolean> {
    if ((this.#values.get(key) ?? null) !== expected) return false;
    this.#values.set(key, value);
    return true;
  }
}

/** Another worker changed the value between this worker's read and write; the step is retried from a re-read. */
export class ControlConflictError extends Error {
  override readonly name = 'ControlConflictError';
  constructor(readonly key: string) {
    super(`control value ${key} changed under this worker; retry from a fresh read`);
  }
}
