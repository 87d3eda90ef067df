/**
 * Marks the access Worker's local bindings as development. Its wrangler.toml [vars] are the production
 * values, and wrangler dev gives `--var` only to the first Worker of a session, so the access Worker
 * learns it runs locally from durable-objects/.dev.vars: the generated one carries the line, and a
 * user's own file (real Discord credentials) gets it appended once, visibly.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const DEV_VARS = join(import.meta.dirname, '..', '.dev.vars');

/** The binding every local Worker gets; anything else is production. */
export const DEVELOPMENT_VARS = { PROMETHEAN_ENV: 'development' } as const;

/**
 * Appends `PROMETHEAN_ENV="development"` to a .dev.vars that does not set PROMETHEAN_ENV; answers
 * whether it did (the dev stack says so). A file that sets another value is left as the user wrote it.
 */
export function ensureDevelopmentEnv(path = DEV_VARS): boolean {
  if (!existsSync(path)) return false;
  const text = readFileSync(path, 'utf8');
  if (/^\s*PROMETHEAN_ENV\s*=/m.test(text)) return false;
  const separator = text === '' || text.endsWith('\n') ? '' : '\n';
  appendFileSync(
    path,
    `${separator}# added by npm run dev: the access Worker's wrangler.toml [vars] are production values\nPROMETHEAN_ENV="development"\n`,
  );
  return true;
}
