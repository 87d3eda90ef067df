import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BootstrapConfigError, bootstrapAccessConfig } from './bootstrap-config.ts';
import { deployedEnvironmentProblems, deployedVars } from './deployed-environment.ts';

const accessToml = readFileSync(
  join(import.meta.dirname, '..', '..', 'durable-objects', 'wrangler.toml'),
  'utf8',
);

describe('bootstrapAccessConfig', () => {
  it('drops only the cross-script OPS_LEDGER binding from the access config', () => {
    const bootstrap = bootstrapAccessConfig(accessToml);
    expect(accessToml).toContain('script_name = "promethean-functions"');
    expect(bootstrap).not.toContain('OPS_LEDGER');
    expect(bootstrap).not.toContain('script_name');
    expect(bootstrap).toContain('name = "INTERACTION_RECEIPTS"');
    expect(bootstrap.split('\n').length).toBe(accessToml.split('\n').length - 6);
  });

  it('refuses a config without (or with unpaired) markers', () => {
    expect(() => bootstrapAccessConfig('name = "x"\n')).toThrow(BootstrapConfigError);
    expect(() => bootstrapAccessConfig('# bootstrap:omit-end\n# bootstrap:omit-begin\n')).toThrow(
      BootstrapConfigError,
    );
  });
});

describe('deployedEnvironmentProblems', () => {
  const table = (vars: Record<string, string>) =>
    Object.entries(vars)
      .map(([k, v]) => `env.${k} ("${v}")                          Environment Variable      `)
      .join('\n');

  it('reads the variables from wrangler deploy output', () => {
    expect([...deployedVars(table({ PROMETHEAN_ENV: 'production', LOG_LEVEL: '' }))]).toEqual([
      ['PROMETHEAN_ENV', 'production'],
      ['LOG_LEVEL', ''],
    ]);
  });

  it('accepts production and refuses development, a missing environment and trusted origins', () => {
    expect(deployedEnvironmentProblems(table({ PROMETHEAN_ENV: 'production' }))).toEqual([]);
    expect(deployedEnvironmentProblems(table({ PROMETHEAN_ENV: 'development' }))[0]).toMatch(/\/dev\/\*/);
    expect(deployedEnvironmentProblems(table({ LOG_LEVEL: '' }))[0]).toMatch(/not among/);
    expect(
      deployedEnvironmentProblems(
        table({ PROMETHEAN_ENV: 'production', SSRF_TRUSTED_ORIGINS: 'http://127.0.0.1:1' }),
      ),
    ).toHaveLength(1);
  });
});
