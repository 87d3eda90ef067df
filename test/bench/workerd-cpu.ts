/**
 * CPU time of the workerd processes this benchmark started (descendants of this process), read from
 * /proc: what the Workers themselves cost, without the fake Discord, Chroma or the model double.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  cpuTicks: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may itself hold spaces or parentheses.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // After the name: state ppid … utime (field 14 of the whole line) stime (15).
    return {
      pid: Number(pid),
      ppid: Number(fields[1]),
      comm,
      cpuTicks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return undefined; // Exited while we looked.
  }
}

let ticksPerSecond: number | undefined;

/** Milliseconds of CPU (user + system) used so far by every workerd process under `rootPid`. */
export function workerdCpuMs(rootPid = process.pid): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const stats = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(readStat)
    .filter((s): s is ProcStat => s !== undefined);
  const byPid = new Map(stats.map((s) => [s.pid, s]));
  const under = (s: ProcStat) => {
    for (let p = byPid.get(s.ppid); p !== undefined; p = byPid.get(p.ppid))
      if (p.pid === rootPid) return true;
    return false;
  };
  const ticks = stats.filter((s) => s.comm === 'workerd' && under(s)).reduce((n, s) => n + s.cpuTicks, 0);
  return (ticks * 1000) / ticksPerSecond;
}
