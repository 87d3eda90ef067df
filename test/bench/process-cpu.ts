/**
 * CPU time of every process this benchmark started (its descendants), grouped by command name, read
 * from /proc: shows which part of the local stack (workerd, Chroma, the bench's own Node) is busy.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

let ticksPerSecond: number | undefined;

/** A Node process is named for what it runs (this bench, Chroma, wrangler), not just "node". */
function nameOf(pid: string, comm: string): string {
  if (comm !== 'node' && comm !== 'MainThread') return comm;
  if (Number(pid) === process.pid) return 'bench';
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (cmd.includes('chroma')) return 'chroma';
    if (cmd.includes('wrangler')) return 'wrangler';
  } catch {
    // Exited while we looked.
  }
  return comm;
}

function stat(pid: string): { pid: number; ppid: number; comm: string; ticks: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = text.lastIndexOf(')');
    const fields = text.slice(close + 2).split(' ');
    return {
      pid: Number(pid),
      ppid: Number(fields[1]),
      comm: nameOf(pid, text.slice(text.indexOf('(') + 1, close)),
      ticks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return undefined; // Exited while we looked.
  }
}

/** CPU-ms so far by command name, for this process and every descendant. */
export function cpuMsByCommand(rootPid = process.pid): Record<string, number> {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const all = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(stat)
    .filter((s) => s !== undefined);
  const byPid = new Map(all.map((s) => [s.pid, s]));
  const under = (pid: number) => {
    for (let p = byPid.get(pid); p !== undefined; p = byPid.get(p.ppid)) if (p.pid === rootPid) return true;
    return false;
  };
  const out: Record<string, number> = {};
  for (const s of all) if (under(s.pid)) out[s.comm] = (out[s.comm] ?? 0) + (s.ticks * 1000) / ticksPerSecond;
  return out;
}

/** Whole-machine busy share since the previous call (from /proc/stat), 0..1 per core summed. */
export function machineBusy(): () => { busy_cores: number } {
  const read = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3]! + f[4]!;
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  };
  let prev = read();
  return () => {
    const now = read();
    const total = now.total - prev.total;
    const busy = total === 0 ? 0 : 1 - (now.idle - prev.idle) / total;
    prev = now;
    return { busy_cores: Math.round(busy * availableParallelism() * 100) / 100 };
  };
}
