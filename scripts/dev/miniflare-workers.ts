/**
 * Both Workers in one Miniflare instance, started through Miniflare's API instead of a `wrangler dev`
 * child process: each Worker is bundled by `wrangler deploy --dry-run` (the bundle a deployment ships),
 * and its bindings (queues, Durable Objects including the cross-script OPS_LEDGER, R2, the ACCESS service)
 * come from its wrangler.toml through wrangler's own translator. Vars reach each Worker directly, so no
 * `.dev.vars` file is written. State lives in memory and ends with `stop()`.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare, type V4WorkerOptions } from 'miniflare';
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from 'wrangler';
import { DEVELOPMENT_VARS } from '../../durable-objects/dev/development-env.ts';

export interface MiniflareWorkerConfig {
  /** Config path relative to `root`. */
  config: string;
  /** Bindings over the config's [vars] (secrets included: locally they are plain text). */
  vars?: Readonly<Record<string, string>>;
}

export interface MiniflareWorkersOptions {
  root: string;
  /** The first Worker serves HTTP on `port`. */
  workers: readonly MiniflareWorkerConfig[];
  port: number;
  /** Print every line the Workers log (otherwise warnings and errors only). */
  echo?: boolean;
}

export interface MiniflareWorkers {
  url: string;
  stop(): Promise<void>;
}

/** Bundles every Worker, then starts them together; resolves once the first one accepts requests. */
export async function startMiniflareWorkers(o: MiniflareWorkersOptions): Promise<MiniflareWorkers> {
  const bundleRoot = mkdtempSync(join(tmpdir(), 'miniflare-workers-'));
  try {
    // Sequential: the two bundlers would only compete for the same cores.
    const workers: V4WorkerOptions[] = [];
    for (const [i, w] of o.workers.entries()) {
      const outdir = join(bundleRoot, String(i));
      await bundleWorker(o.root, w.config, outdir);
      workers.push(workerOptions(o.root, w, outdir));
    }
    // wrangler translates a config into Miniflare 4's option shape; Miniflare 5 converts that itself.
    const mf = new Miniflare(
      convertV4MiniflareOptions({
        host: '127.0.0.1',
        // The placeholder request.cf: no fetch of Cloudflare's cf data (tests run without the internet).
        cf: false,
        port: o.port,
        // workerd's own inspector, for a CPU profiler to attach (as WRANGLER_INSPECTOR_PORT under wrangler dev).
        ...(process.env.MINIFLARE_INSPECTOR_PORT && {
          inspectorPort: Number(process.env.MINIFLARE_INSPECTOR_PORT),
        }),
        log: new Log(o.echo ? LogLevel.INFO : LogLevel.WARN),
        handleStructuredLogs: ({ level, message }) => {
          if (o.echo || level === 'warn' || level === 'error') console.error(message);
        },
        workers,
      }),
    );
    const url = await mf.ready.catch(async (e: unknown) => {
      await mf.dispose().catch(() => undefined);
      throw e;
    });
    let stopped = false;
    return {
      url: url.origin,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await mf.dispose();
        rmSync(bundleRoot, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(bundleRoot, { recursive: true, force: true });
    throw e;
  }
}

/** The translated config plus the bundle; containers stay plain Durable Objects (no Docker locally). */
function workerOptions(root: string, w: MiniflareWorkerConfig, outdir: string): V4WorkerOptions {
  const translated = unstable_getMiniflareWorkerOptions(join(root, w.config));
  const base = translated.workerOptions as { bindings?: Record<string, unknown> };
  const config = unstable_readConfig({ config: join(root, w.config) });
  if (typeof config.name !== 'string') throw new Error(`${w.config} has no Worker name`);
  const options = {
    ...translated.workerOptions,
    // Other Workers' service bindings and cross-script Durable Objects find it by this name.
    name: config.name,
    modules: bundleModules(outdir),
    modulesRoot: outdir,
    // The bundle lists its modules explicitly (Miniflare 5 converts no module rules).
    modulesRules: undefined,
    // Neither wrangler dev nor Miniflare fires cron triggers locally (wrangler says so at start); the
    // tests drive /health and the queues themselves.
    cronTriggers: [],
    bindings: { ...base.bindings, ...DEVELOPMENT_VARS, ...w.vars },
  };
  // wrangler types its translation against its own copy of Miniflare's types (the same version, pinned).
  return options as unknown as V4WorkerOptions;
}

/**
 * The bundle's entry module first, then the modules it imports: the config's [[rules]] make the agents'
 * YAML text modules, which wrangler writes beside index.js.
 */
function bundleModules(outdir: string): Array<{ type: 'ESModule' | 'Text'; path: string }> {
  const modules: Array<{ type: 'ESModule' | 'Text'; path: string }> = [
    { type: 'ESModule', path: join(outdir, 'index.js') },
  ];
  for (const file of readdirSync(outdir).sort()) {
    if (file === 'index.js' || file.endsWith('.map') || file === 'README.md') continue;
    if (!file.endsWith('.yml')) throw new Error(`${outdir}/${file}: no module type known for it`);
    modules.push({ type: 'Text', path: join(outdir, file) });
  }
  return modules;
}

/** `wrangler deploy --dry-run --outdir`: the same bundling and config validation as a deployment. */
function bundleWorker(root: string, config: string, outdir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, 'node_modules', 'wrangler', 'bin', 'wrangler.js'),
        'deploy',
        '--dry-run',
        '--containers-rollout=none',
        '--outdir',
        outdir,
        '-c',
        config,
      ],
      {
        cwd: root,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false', NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`bundling ${config} failed (wrangler exit ${code}):\n${output}`));
    });
  });
}
