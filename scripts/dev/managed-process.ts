/** A child process the dev stack owns: started with a name, its output prefixed, stopped politely then firmly. */
import { type ChildProcess, spawn } from 'node:child_process';

export interface ManagedProcessOptions {
  name: string;
  command: string;
  args: readonly string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Signal that asks the process to shut down cleanly (wrangler wants SIGINT). */
  stopSignal?: NodeJS.Signals;
  /** Print the child's output with a `[name]` prefix. */
  echo?: boolean;
  /**
   * Give the child a stdin pipe that nothing writes to and set PROMETHEAN_EXIT_WITH_PARENT=1: a child that
   * honours it exits when the pipe closes, i.e. when this process is gone however it ended (even SIGKILL,
   * which runs no stop code), instead of staying orphaned in its own process group.
   */
  exitWithParent?: boolean;
}

export class ManagedProcess {
  readonly name: string;
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  readonly #stopSignal: NodeJS.Signals;
  #output = '';

  constructor(o: ManagedProcessOptions) {
    this.name = o.name;
    this.#stopSignal = o.stopSignal ?? 'SIGTERM';
    // A process group of its own, so stopping it also stops the grandchildren (workerd under wrangler).
    this.#child = spawn(o.command, o.args, {
      cwd: o.cwd,
      env: o.exitWithParent
        ? { ...(o.env ?? process.env), PROMETHEAN_EXIT_WITH_PARENT: '1' }
        : (o.env ?? process.env),
      stdio: [o.exitWithParent ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const relay = (chunk: Buffer) => {
      const text = chunk.toString();
      this.#output = (this.#output + text).slice(-20_000);
      if (o.echo)
        for (const line of text.split('\n').filter((l) => l.trim())) console.log(`[${o.name}] ${line}`);
    };
    this.#child.stdout?.on('data', relay);
    this.#child.stderr?.on('data', relay);
    this.#exited = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The last 20 kB of output, for error messages when startup fails. */
  get output(): string {
    return this.#output;
  }

  get exited(): Promise<number | null> {
    return this.#exited;
  }

  isRunning(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** Sends the stop signal to the whole group, then SIGKILL after `graceMs`. */
  async stop(graceMs = 8_000): Promise<void> {
    if (!this.isRunning() || this.#child.pid === undefined) return;
    const group = -this.#child.pid;
    try {
      process.kill(group, this.#stopSignal);
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}

/** Resolves once `url` answers 2xx, or rejects naming the process when it exits or time runs out. */
export async function waitForHttp(url: string, owner: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!owner.isRunning())
      throw new Error(`${owner.name} exited before ${url} answered:\n${owner.output.slice(-3000)}`);
    const ok = await fetch(url)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `${owner.name}: ${url} did not answer within ${timeoutMs} ms:\n${owner.output.slice(-3000)}`,
  );
}
