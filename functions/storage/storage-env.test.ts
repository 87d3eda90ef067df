/**
 * readStorageEnv reads the bindings on every call: a changed value is seen at once, a malformed one is refused
 * every time (never answered from what an earlier call parsed), and callers cannot change what later ones get.
 */
import { expect, it } from 'vitest';
import { DEFAULT_CHROMA_URL, readStorageEnv } from './storage-env.ts';

it('answers the current values on every read, and refuses a malformed one each time', () => {
  const env: Record<string, string> = { CHROMA_URL: 'http://127.0.0.1:9001' };
  expect(readStorageEnv(env)).toEqual({
    mongodbUri: undefined,
    chromaUrl: 'http://127.0.0.1:9001',
    documentStoreOverride: undefined,
  });
  env.CHROMA_URL = 'http://127.0.0.1:9002';
  env.DOCUMENT_STORE_OVERRIDE = 'mongodb';
  env.MONGODB_URI = 'mongodb://127.0.0.1:27017';
  expect(readStorageEnv(env)).toEqual({
    mongodbUri: 'mongodb://127.0.0.1:27017',
    chromaUrl: 'http://127.0.0.1:9002',
    documentStoreOverride: 'mongodb',
  });
  env.CHROMA_URL = 'ftp://nope';
  for (let i = 0; i < 2; i++) expect(() => readStorageEnv(env)).toThrow(/CHROMA_URL/);
  env.CHROMA_URL = '';
  env.MONGODB_URI = 'postgres://x';
  for (let i = 0; i < 2; i++) expect(() => readStorageEnv(env)).toThrow(/MONGODB_URI is not/);
  env.MONGODB_URI = '';
  env.DOCUMENT_STORE_OVERRIDE = 'redis';
  for (let i = 0; i < 2; i++) expect(() => readStorageEnv(env)).toThrow(/DOCUMENT_STORE_OVERRIDE/);
  env.DOCUMENT_STORE_OVERRIDE = '';
  expect(readStorageEnv(env).chromaUrl).toBe(DEFAULT_CHROMA_URL);
});

it('gives each caller its own settings object', () => {
  const env = { CHROMA_URL: 'http://127.0.0.1:9003' };
  const first = readStorageEnv(env);
  first.chromaUrl = 'http://changed.invalid';
  expect(readStorageEnv(env).chromaUrl).toBe('http://127.0.0.1:9003');
});
