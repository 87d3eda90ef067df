/**
 * What a deploy must never ship, read from `wrangler deploy`'s own list of bindings (the values it
 * uploads, after every config layer): a development environment, trusted loopback origins for the SSRF
 * guard, or a development-only binding.
 */

const VAR_LINE = /^env\.([A-Z0-9_]+) \("(.*)"\)\s+Environment Variable/;

/** `env.NAME ("value")` lines of wrangler's binding table, as a map. */
export function deployedVars(wranglerOutput: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of wranglerOutput.split('\n')) {
    const m = VAR_LINE.exec(line.trim());
    if (m) vars.set(m[1]!, m[2]!);
  }
  return vars;
}

/** Every reason the listed configuration is not fit for production; empty when it is. */
export function deployedEnvironmentProblems(wranglerOutput: string): string[] {
  const vars = deployedVars(wranglerOutput);
  const problems: string[] = [];
  const env = vars.get('PROMETHEAN_ENV');
  if (env === undefined) problems.push('PROMETHEAN_ENV is not among the deployed variables');
  else if (env === 'development') problems.push('PROMETHEAN_ENV is "development": /dev/* would be public');
  if ((vars.get('SSRF_TRUSTED_ORIGINS') ?? '') !== '') {
    problems.push('SSRF_TRUSTED_ORIGINS is set: loopback origins are for tests and local dev only');
  }
  return problems;
}
