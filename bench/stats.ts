import { readFileSync } from 'node:fs';

/** What the benches share: command-line options, percentiles, CPU seconds. */
export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

/** A text command-line option (`--name value`), or null when absent. */
export function textArg(name: string): string | null {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] ?? null) : null;
}

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

/**
 * CPU seconds a process has used (user + system, from /proc; Linux), or null where /proc is not
 * there. The kernel counts in clock ticks of 1/100 s on the machines we run on.
 */
export function cpuSeconds(pid: number): number | null {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

const cleanups: (() => Promise<unknown>)[] = [];
const stopSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let interrupted = false;

function interrupt(signal: NodeJS.Signals): void {
  if (interrupted) return;
  interrupted = true;
  process.stderr.write(`${signal}: stopping what this bench started\n`);
  void (async () => {
    // The latest first: a stack before the database it runs on.
    for (const stop of [...cleanups].reverse()) await stop().catch(() => undefined);
    process.exit(130);
  })();
}

/**
 * Runs `stop` when the bench is interrupted (SIGINT, SIGTERM, SIGHUP) before it exits, so the
 * processes it started (a stack, a database) do not outlive it as orphans holding ports and
 * memory. Returns the function that forgets `stop` once the bench has stopped it itself.
 */
export function stopOnSignal(stop: () => Promise<unknown>): () => void {
  if (cleanups.length === 0) for (const s of stopSignals) process.on(s, interrupt);
  cleanups.push(stop);
  return () => {
    const i = cleanups.indexOf(stop);
    if (i >= 0) cleanups.splice(i, 1);
    if (cleanups.length === 0) for (const s of stopSignals) process.off(s, interrupt);
  };
}
