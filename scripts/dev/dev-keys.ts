/**
 * The dev stack's local secrets, made on first run and kept in `<state dir>/dev-keys.json` (under the
 * git-ignored `.wrangler/`, mode 0600): an Ed25519 keypair per interaction tenant (the echo tenants,
 * and the fake Discord's applications), the `ADMIN_TOKEN` for local admin routes, and the voice host's
 * shared secret (docs/voice.md). The public keys
 * go into the access Worker's generated `.dev.vars`; `npm run demo` and `commands:register` read the rest.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { generateInteractionKeys, type InteractionKeyPair } from './interaction-signer.ts';

export const DEV_KEYS_FILE = 'dev-keys.json';

const KeyPair = z.object({
  public_key_hex: z.string().regex(/^[0-9a-f]{64}$/),
  private_key_pkcs8_base64: z.string().min(1),
});

const DevKeysFile = z.object({
  admin_token: z.string().min(32),
  /** The voice host's shared secret (VOICE_HOST_SECRET on the access Worker, VOICE_INGEST_SECRET here). */
  voice_host_secret: z.string().min(32).optional(),
  /** provider → tenant → keypair */
  interaction_keys: z.record(z.string(), z.record(z.string(), KeyPair)),
});
export type DevKeys = z.infer<typeof DevKeysFile>;

/** The keys file is missing or unreadable: the dev stack has not run with this state dir. */
export class DevKeysMissingError extends Error {
  override readonly name = 'DevKeysMissingError';
}

/** Reads the keys `npm run dev` made; throws `DevKeysMissingError` with what to do. */
export function readDevKeys(stateDir: string): DevKeys {
  const path = join(stateDir, DEV_KEYS_FILE);
  if (!existsSync(path))
    throw new DevKeysMissingError(
      `no ${path}: start the dev stack first (npm run dev), with the same --state-dir`,
    );
  const parsed = DevKeysFile.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success)
    throw new DevKeysMissingError(`${path} is not a dev keys file; delete it and run npm run dev again`);
  return parsed.data;
}

/** Keeps existing keys (signed requests from an earlier run stay valid) and adds any missing ones. */
export async function ensureDevKeys(
  stateDir: string,
  tenants: Readonly<Record<string, readonly string[]>>,
): Promise<DevKeys> {
  mkdirSync(stateDir, { recursive: true });
  let keys: DevKeys;
  try {
    keys = readDevKeys(stateDir);
  } catch (e) {
    if (!(e instanceof DevKeysMissingError)) throw e;
    keys = { admin_token: randomBytes(32).toString('base64url'), interaction_keys: {} };
  }
  let changed = !existsSync(join(stateDir, DEV_KEYS_FILE));
  if (keys.voice_host_secret === undefined) {
    keys.voice_host_secret = randomBytes(24).toString('base64url');
    changed = true;
  }
  for (const [provider, names] of Object.entries(tenants)) {
    const byTenant: Record<string, InteractionKeyPair> = keys.interaction_keys[provider] ?? {};
    keys.interaction_keys[provider] = byTenant;
    for (const tenant of names) {
      if (byTenant[tenant]) continue;
      byTenant[tenant] = await generateInteractionKeys();
      changed = true;
    }
  }
  if (changed) {
    const path = join(stateDir, DEV_KEYS_FILE);
    writeFileSync(path, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  return keys;
}
