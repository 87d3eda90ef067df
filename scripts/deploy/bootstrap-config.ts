/**
 * The access Worker's first-deploy configuration: its wrangler.toml without the block between
 * `# bootstrap:omit-begin` and `# bootstrap:omit-end` (the cross-script OPS_LEDGER binding, which
 * cannot exist before promethean-functions does).
 */

export class BootstrapConfigError extends Error {
  override readonly name = 'BootstrapConfigError';
}

const BEGIN = '# bootstrap:omit-begin';
const END = '# bootstrap:omit-end';

/** The config text without the marked block; refuses a config whose markers are missing or unpaired. */
export function bootstrapAccessConfig(toml: string): string {
  const lines = toml.split('\n');
  const begin = lines.findIndex((l) => l.trim() === BEGIN);
  const end = lines.findIndex((l) => l.trim() === END);
  if (begin === -1 || end === -1 || end < begin) {
    throw new BootstrapConfigError(
      `durable-objects/wrangler.toml needs one "${BEGIN}" ... "${END}" block around the OPS_LEDGER binding`,
    );
  }
  if (lines.slice(end + 1).some((l) => l.trim() === BEGIN || l.trim() === END)) {
    throw new BootstrapConfigError('durable-objects/wrangler.toml has more than one bootstrap block');
  }
  return [...lines.slice(0, begin), ...lines.slice(end + 1)].join('\n');
}
