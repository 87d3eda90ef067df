/**
 * The functions Worker's storage settings, read from its bindings on every use (never cached): the MongoDB
 * connection string (a secret), the Chroma URL and the deployment-wide document store override.
 */
import { StorageConfigurationError } from '@promethean/shared/effects/storage-errors';
import { z } from 'zod';

export interface StorageEnv {
  /** Undefined when the secret is not set; tenants on `mongodb` then fail with StorageConfigurationError. */
  mongodbUri: string | undefined;
  chromaUrl: string;
  /** Forces every tenant onto one document backend (a benchmark, a migration); undefined = per tenant. */
  documentStoreOverride: 'sqlite' | 'mongodb' | undefined;
}

export const DEFAULT_CHROMA_URL = 'http://127.0.0.1:8000';

const MongoUri = z
  .string()
  .regex(/^mongodb(\+srv)?:\/\/\S+$/, 'must be a mongodb:// or mongodb+srv:// connection string');
const Override = z.enum(['', 'sqlite', 'mongodb']);
const HttpUrl = z.url({ protocol: /^https?$/ });

/** Parses the storage variables; a malformed value is a StorageConfigurationError naming the variable. */
export function readStorageEnv(env: object): StorageEnv {
  const vars = env as Record<string, unknown>;
  const text = (name: string) => (typeof vars[name] === 'string' ? (vars[name] as string).trim() : '');
  const mongo = text('MONGODB_URI');
  // The value is a credential: errors name the variable, never echo it.
  if (mongo && !MongoUri.safeParse(mongo).success) {
    throw new StorageConfigurationError(
      'MONGODB_URI is not a mongodb:// or mongodb+srv:// connection string',
      'MONGODB_URI',
    );
  }
  const chroma = text('CHROMA_URL') || DEFAULT_CHROMA_URL;
  if (!HttpUrl.safeParse(chroma).success) {
    throw new StorageConfigurationError(`CHROMA_URL "${chroma}" is not an http(s) URL`, 'CHROMA_URL');
  }
  const override = Override.safeParse(text('DOCUMENT_STORE_OVERRIDE'));
  if (!override.success) {
    throw new StorageConfigurationError(
      `DOCUMENT_STORE_OVERRIDE "${text('DOCUMENT_STORE_OVERRIDE')}" must be sqlite, mongodb or empty`,
      'DOCUMENT_STORE_OVERRIDE',
    );
  }
  return {
    mongodbUri: mongo || undefined,
    chromaUrl: chroma,
    documentStoreOverride: override.data || undefined,
  };
}
