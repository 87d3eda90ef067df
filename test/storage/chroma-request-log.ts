/**
 * The HTTP requests test code makes to Chroma, recorded by spying on `fetch`: tests that prove a write path
 * skips a read (or sends exactly one request) ask it for the paths' last segments (`get`, `upsert`, …).
 */
import { type MockInstance, vi } from 'vitest';

export class ChromaRequestLog {
  readonly #spy: MockInstance<typeof fetch> = vi.spyOn(globalThis, 'fetch');

  /** The last path segment of every request since the log started, in order. */
  paths(): string[] {
    return this.#spy.mock.calls.map(
      ([input]) =>
        new URL(input instanceof Request ? input.url : String(input)).pathname.split('/').at(-1) ?? '',
    );
  }

  /** How many requests ended in `segment` (`get` for the stale-metadata read). */
  count(segment: string): number {
    return this.paths().filter((p) => p === segment).length;
  }

  restore(): void {
    this.#spy.mockRestore();
  }
}
