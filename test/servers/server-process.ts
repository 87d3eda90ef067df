/**
 * A test server running as a child process: its recent output (shown when it fails), a promise for its
 * exit, a stop that waits for the exit, and a readiness wait that probes the server instead of sleeping.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const KEPT_LINES = 60;

export interface ServerProcessOptions {
  /** Shown in errors and logs, e.g. "FerretDB". */
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** A server failed to start or became unreachable; carries its recent output. */
export class TestServerError extends Error {
  override readonly name = 'TestServerError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class ServerProcess {
  readonly name: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly #child: ChildProcess;
  readonly #lines: string[] = [];
  #running = true;

  private constructor(options: ServerProcessOptions) {
    this.name = options.name;
    this.#child = spawn(options.command, [...options.args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const spawnFailed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      this.#child.once('error', (error) => {
        this.#keep(`spawn failed: ${error.message}`);
        resolve({ code: -1, signal: null });
      }),
    );
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      this.#child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    this.exited = Promise.race([exited, spawnFailed]).then((result) => {
      this.#running = false;
      return result;
    });
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.#keep(line));
    }
  }

  /** Spawns the server (it is not ready yet: see `waitUntilReady`). */
  static start(options: ServerProcessOptions): ServerProcess {
    return new ServerProcess(options);
  }

  get running(): boolean {
    return this.#running;
  }

  /** The last lines the server printed, for error messages. */
  output(): string {
    return this.#lines.join('\n');
  }

  /** SIGTERM, then SIGKILL if it has not exited after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 10_000): Promise<void> {
    if (!this.#running) return;
    this.#child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#child.kill('SIGKILL');
        resolve();
      }, graceMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    await this.exited;
  }

  /**
   * Resolves once `probe` answers true; fails if the process exits first or `timeoutMs` passes. Between
   * probes it waits at most `intervalMs` (less when the server prints something or exits).
   */
  async waitUntilReady(
    probe: () => Promise<boolean>,
    { timeoutMs = 60_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.#running) break;
      if (await probe().catch(() => false)) return;
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, intervalMs))]);
    }
    const why = this.#running ? `was not ready after ${timeoutMs} ms` : 'exited before it was ready';
    if (this.#running) await this.stop(2_000);
    throw new TestServerError(`${this.name} ${why}. Its last output:\n${this.output() || '(none)'}`);
  }

  #keep(line: string): void {
    this.#lines.push(line);
    if (this.#lines.length > KEPT_LINES) this.#lines.shift();
    if (process.env.PROMETHEAN_TEST_SERVER_LOGS === '1') console.log(`[${this.name}] ${line}`);
  }
}
