/** The processes a test started, found through `ps`, so a test can prove none outlive the stack. */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

/** Every descendant of `pid` (the dev stack runs its servers in process groups of their own). */
export function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [p, pp] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(pp, [...(children.get(pp) ?? []), p]);
  }
  const all: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      all.push(c);
      walk(c);
    }
  };
  walk(pid);
  return all;
}

/** Whether a process is still there. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** TCP ports on which any of `pids` listens (from `ss`, which names each socket's owners). */
export function listeningPorts(pids: readonly number[]): number[] {
  const out = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8' });
  const ports = new Set<number>();
  for (const line of out.split('\n')) {
    const owners = [...line.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]));
    const local = line.trim().split(/\s+/)[3] ?? '';
    const port = local.slice(local.lastIndexOf(':') + 1);
    if (port && owners.some((p) => pids.includes(p))) ports.add(Number(port));
  }
  return [...ports];
}

/** Whether 127.0.0.1:`port` can be bound right now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}
