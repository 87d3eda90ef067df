/** The BlobStore on R2 (binding `BLOBS`), scoped to one tenant by a `<provider>/<tenant>/` key prefix. */
import type { BlobStore } from '@promethean/shared/effects/effect-ports';

/** The key under which a tenant's blob lives in the bucket. */
export function tenantBlobKey(provider: string, tenant: string, key: string): string {
  return `${provider}/${tenant}/${key}`;
}

export class R2BlobStore implements BlobStore {
  readonly #bucket: R2Bucket;
  readonly #provider: string;
  readonly #tenant: string;

  constructor(bucket: R2Bucket, provider: string, tenant: string) {
    this.#bucket = bucket;
    this.#provider = provider;
    this.#tenant = tenant;
  }

  async put(key: string, body: ArrayBuffer | Uint8Array | string, contentType: string): Promise<void> {
    await this.#bucket.put(tenantBlobKey(this.#provider, this.#tenant, key), body, {
      httpMetadata: { contentType },
    });
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const object = await this.#bucket.get(tenantBlobKey(this.#provider, this.#tenant, key));
    return object ? new Uint8Array(await object.arrayBuffer()) : undefined;
  }
}
