/** CPU and memory accounting from Linux /proc, for the processes the benchmark started. */
import fs from 'node:fs';

const TICK = 100; // USER_HZ on Linux

/** utime + stime of a process, ms (0 when it is gone). */
export function procCpuMs(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / TICK;
  } catch {
    return 0;
  }
}

/** Machine-wide ticks; irq + softirq (loopback networking, not charged to any process) and steal apart. */
export function machineCpu(): { busy: number; total: number; irq: number; steal: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = line[3] + line[4];
  const total = line.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total, irq: line[5] + line[6], steal: line[7] };
}

export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function childPids(ppid: number): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === ppid) out.push(Number(d));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** Which processes to account: pids, and parents whose children count too (the postmaster's backends). */
export interface CpuTargets {
  /** The server's pid (or the pids of several server processes, summed). */
  server: number | number[];
  /** PostgreSQL postmaster (its backends are summed in), or 0. */
  postmaster: number;
  clients: number;
  driver: number;
}

export interface CpuSnapshot {
  t: number;
  server: number;
  pg: number;
  driver: number;
  clients: number;
  machine: ReturnType<typeof machineCpu>;
}

export function cpuSnapshot(targets: CpuTargets, t: number): CpuSnapshot {
  return {
    t,
    server: [targets.server].flat().reduce((a, pid) => a + procCpuMs(pid), 0),
    pg: targets.postmaster ? [targets.postmaster, ...childPids(targets.postmaster)].reduce((a, pid) => a + procCpuMs(pid), 0) : 0,
    driver: procCpuMs(targets.driver),
    clients: procCpuMs(targets.clients),
    machine: machineCpu(),
  };
}
