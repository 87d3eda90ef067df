/**
 * Finds or builds the FerretDB binary the tests use as their MongoDB-wire server when neither MONGODB_URI
 * nor `mongod` is available: `.tools/ferretdb-bin/ferretdb` (git-ignored), built from the Go module proxy
 * on first use.
 *
 * A plain `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.0` builds a binary that panics at
 * start ("Invalid build/version/version.txt file content"): the module zip lacks the generated
 * `build/version/version.txt`, and FerretDB's `init` insists on it when it is the main module. So the
 * build copies the module source out of the module cache, writes that file (what FerretDB's own
 * `bin/task gen-version` does) and runs `go build` there.
 */
import { spawn } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestServerError } from './server-process.ts';

export const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';
export const FERRETDB_VERSION = 'v1.24.0';

interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  missing: boolean;
}

function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void } = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      for (const line of text.split('\n')) if (line.trim()) options.onLine?.(line);
    });
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve({ code: null, stdout, stderr: error.message, missing: error.code === 'ENOENT' }),
    );
    child.once('close', (code) => resolve({ code, stdout, stderr, missing: false }));
  });
}

/** Whether `binary` starts and reports the pinned version (a broken `go install` build does not). */
async function isUsable(binary: string): Promise<boolean> {
  const result = await run(binary, ['--version']);
  return result.code === 0 && result.stdout.includes(`version: ${FERRETDB_VERSION}`);
}

/** Module cache files are read-only; the copy must be writable (and removable afterwards). */
async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(path);
    else await chmod(path, 0o644);
  }
}

async function goOrExplain(log: (line: string) => void): Promise<void> {
  const version = await run('go', ['version']);
  if (version.missing) {
    throw new TestServerError(
      'The tests need a MongoDB-wire server and found none: MONGODB_URI is not set, `mongod` is not on PATH, ' +
        `and FerretDB ${FERRETDB_VERSION} is not built yet — building it needs Go (>= 1.22) on PATH with ` +
        'access to the Go module proxy. Install Go (https://go.dev/dl/), or set MONGODB_URI to a MongoDB ' +
        'server (e.g. mongodb://127.0.0.1:27017/), or put mongod on PATH.',
    );
  }
  log(`using ${version.stdout.trim()}`);
}

async function moduleSourceDir(log: (line: string) => void): Promise<string> {
  const download = await run('go', ['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], {
    cwd: tmpdir(),
    env: { ...process.env, GO111MODULE: 'on' },
    onLine: log,
  });
  const dir = download.code === 0 ? (JSON.parse(download.stdout) as { Dir?: string }).Dir : undefined;
  if (!dir) {
    throw new TestServerError(
      `go mod download ${FERRETDB_MODULE}@${FERRETDB_VERSION} failed (is the Go module proxy reachable?):\n` +
        `${download.stderr || download.stdout}`,
    );
  }
  return dir;
}

/**
 * The path of a working FerretDB binary under `<root>/.tools/ferretdb-bin/`, building it first when it is
 * missing or unusable. `log` receives progress lines (a build takes a minute or two on a cold Go cache).
 */
export async function ensureFerretDbBinary(root: string, log: (line: string) => void): Promise<string> {
  const binDir = join(root, '.tools', 'ferretdb-bin');
  const binary = join(binDir, 'ferretdb');
  if (await isUsable(binary)) return binary;
  log(`FerretDB ${FERRETDB_VERSION} is not built (or the binary at ${binary} does not start): building it`);
  await goOrExplain(log);
  const source = await moduleSourceDir(log);
  const work = await mkdtemp(join(tmpdir(), 'promethean-ferretdb-build-'));
  try {
    const copy = join(work, 'src');
    await cp(source, copy, { recursive: true });
    await makeWritable(copy);
    await writeFile(join(copy, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    await mkdir(binDir, { recursive: true });
    const staged = join(binDir, `ferretdb.build-${process.pid}`);
    log(`go build ./cmd/ferretdb (from ${source}); a cold Go cache takes a few minutes`);
    const started = Date.now();
    const heartbeat = setInterval(
      () => log(`still building (${Math.round((Date.now() - started) / 1000)} s)`),
      15_000,
    );
    const build = await run('go', ['build', '-trimpath', '-buildvcs=false', '-o', staged, './cmd/ferretdb'], {
      cwd: copy,
      env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false' },
      onLine: (line) => log(`go: ${line}`),
    }).finally(() => clearInterval(heartbeat));
    if (build.code !== 0) {
      throw new TestServerError(`building FerretDB failed (exit ${build.code}):\n${build.stderr}`);
    }
    await rename(staged, binary);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (!(await isUsable(binary))) {
    throw new TestServerError(`the FerretDB binary built at ${binary} does not report ${FERRETDB_VERSION}`);
  }
  log(`built ${binary}`);
  return binary;
}
