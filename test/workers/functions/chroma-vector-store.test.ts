/** The VectorStore contract inside workerd: the functions Worker's Chroma adapter against the test Chroma server. */
import { env } from 'cloudflare:workers';
import { ChromaVectorStore } from '@promethean/shared/effects/chroma-vector-store';
import { readStorageEnv } from '../../../functions/storage/storage-env.ts';
import { describeVectorStoreContract } from '../../storage/vector-store-contract.ts';

const { chromaUrl } = readStorageEnv(env);

describeVectorStoreContract(`Chroma at CHROMA_URL (workerd)`, {
  store: (scope) => new ChromaVectorStore({ url: chromaUrl, ...scope, target: 'test' }),
});
