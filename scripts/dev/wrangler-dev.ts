/** Starts `wrangler dev` for one or more Worker configs on 127.0.0.1, with local state in a chosen folder. */
import { join } from 'node:path';
import { DEVELOPMENT_VARS } from '../../durable-objects/dev/development-env.ts';
import { ManagedProcess } from './managed-process.ts';

export interface WranglerDevOptions {
  root: string;
  /** Config paths relative to `root`; the first is the Worker that serves HTTP. */
  configs: readonly string[];
  port: number;
  stateDir: string;
  /** `--var` bindings (they reach only the first config's Worker). */
  vars?: Readonly<Record<string, string>>;
  /** A dotenv file whose bindings reach every Worker of the session (unlike `vars`). */
  envFile?: string;
  echo?: boolean;
  /**
   * Run with the deploy configuration's own [vars] (production), as the deployment tests do; by default
   * the first Worker gets PROMETHEAN_ENV=development, since its wrangler.toml holds production values.
   */
  asDeployed?: boolean;
}

export function startWranglerDev(o: WranglerDevOptions): ManagedProcess {
  return new ManagedProcess({
    name: 'wrangler',
    command: process.execPath,
    args: [
      join(o.root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
      'dev',
      ...o.configs.flatMap((c) => ['-c', c]),
      '--ip',
      '127.0.0.1',
      '--port',
      String(o.port),
      '--inspector-port',
      // A fixed port lets a profiler attach (WRANGLER_INSPECTOR_PORT); 0 picks a free one.
      process.env.WRANGLER_INSPECTOR_PORT ?? '0',
      '--persist-to',
      o.stateDir,
      '--show-interactive-dev-session=false',
      ...Object.entries({ ...(o.asDeployed ? {} : DEVELOPMENT_VARS), ...o.vars }).flatMap(([k, v]) => [
        '--var',
        `${k}:${v}`,
      ]),
      ...(o.envFile === undefined ? [] : ['--env-file', o.envFile]),
    ],
    cwd: o.root,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
    stopSignal: 'SIGINT',
    echo: o.echo ?? false,
  });
}
