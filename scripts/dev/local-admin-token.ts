/**
 * The ADMIN_TOKEN a local command uses: the environment first, then the functions Worker's `.dev.vars`,
 * then (given the dev stack's state folder) the token the running dev stack generated.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDevKeys } from './dev-keys.ts';

/** What every command prints when none of the places has a token. */
export const NO_ADMIN_TOKEN =
  'no ADMIN_TOKEN: set it in the environment or in .dev.vars, or start the dev stack (npm run dev) first';

/** The token, or undefined when neither the environment, `.dev.vars` nor the dev stack's keys have one. */
export function localAdminToken(root: string, stateDir?: string): string | undefined {
  if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
  const devVars = join(root, '.dev.vars');
  const line = existsSync(devVars)
    ? /^\s*ADMIN_TOKEN\s*=\s*"?([^"\s]+)"?/m.exec(readFileSync(devVars, 'utf8'))
    : null;
  if (line?.[1]) return line[1];
  if (stateDir === undefined) return undefined;
  try {
    return readDevKeys(stateDir).admin_token;
  } catch {
    return undefined;
  }
}
