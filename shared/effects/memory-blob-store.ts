/** An in-memory BlobStore for tests and golden fixtures: copies bytes in and out, records content types. */
import type { BlobStore } from './effect-ports.ts';

export interface MemoryBlob {
  bytes: Uint8Array;
  content_type: string;
}

export class MemoryBlobStore implements BlobStore {
  readonly #blobs = new Map<string, MemoryBlob>();
  /** Every put, in order (tests assert deduplication and overwrites from it). */
  readonly puts: string[] = [];

  async put(key: string, body: ArrayBuffer | Uint8Array | string, contentType: string): Promise<void> {
    const bytes =
      typeof body === 'string'
        ? new TextEncoder().encode(body)
        : body instanceof Uint8Array
          ? Uint8Array.from(body)
          : new Uint8Array(body.slice(0));
    this.#blobs.set(key, { bytes, content_type: contentType });
    this.puts.push(key);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const blob = this.#blobs.get(key);
    return blob && Uint8Array.from(blob.bytes);
  }

  /** Every stored blob, by key (sorted), for assertions. */
  entries(): Array<[string, MemoryBlob]> {
    return [...this.#blobs.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  }
}
