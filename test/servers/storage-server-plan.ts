/**
 * Chooses, once per test run, where the storage test servers will listen. The functions-worker project
 * must know the addresses when its config is read (they become Worker bindings), before the global setup
 * starts the servers, so the choice travels in environment variables both read.
 */
import { freePort } from './free-port.ts';

export interface StorageServerPlan {
  /** `MONGODB_URI` when set, else the FerretDB/mongod address the setup will start. */
  mongoUri: string;
  /** Undefined when `MONGODB_URI` points at an external server. */
  mongoPort: number | undefined;
  chromaUrl: string;
  chromaPort: number;
}

async function plannedPort(variable: string): Promise<number> {
  const existing = Number(process.env[variable]);
  if (Number.isInteger(existing) && existing > 0) return existing;
  const port = await freePort();
  process.env[variable] = String(port);
  return port;
}

/** The same answer every time it is called in one process (config load and global setup). */
export async function planStorageServers(): Promise<StorageServerPlan> {
  const external = process.env.MONGODB_URI;
  const mongoPort = external ? undefined : await plannedPort('PROMETHEAN_TEST_MONGO_PORT');
  const chromaPort = await plannedPort('PROMETHEAN_TEST_CHROMA_PORT');
  return {
    mongoUri: external || `mongodb://127.0.0.1:${mongoPort}/`,
    mongoPort,
    chromaUrl: `http://127.0.0.1:${chromaPort}`,
    chromaPort,
  };
}
