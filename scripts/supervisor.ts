/**
 * Keeps one child process of `npm start` running: when it exits by any cause (an exit code, a
 * signal, a death before it was even watched) it is started again after a backoff — quick for the
 * first restarts (0.5 s, 1 s, 2 s, 2 s, 2 s), then doubling on from there (4 s, 8 s, 16 s) to 30 s; back
 * to the quick ones once it has served 10 s (a process that served is not crash-looping: a kill of a
 * healthy one costs seconds however often it happens) — and the rest of the stack stays up. Each start is reported ready only
 * once `start` resolved (it probes the new process afresh). `stop()` ends it for good.
 */
import type { ChildProcess } from 'node:child_process';

export interface SupervisorOptions {
  name: string;
  /** Starts the process and waits until a fresh probe says it serves. */
  start(): Promise<ChildProcess>;
  /** Stops a running process gracefully. */
  stopChild(child: ChildProcess): Promise<void>;
  log(line: string): void;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** How many restarts in a row stay at or under `quickCapMs` before the backoff grows further. */
  quickRestarts?: number;
  quickCapMs?: number;
  /** Time served (since its probe passed) after which an exit counts as the first again; default 10 s. */
  stableAfterMs?: number;
}

/**
 * The delay before restart number `attempt` (0-based): doubling from `initialMs`, held at `quickCapMs`
 * for the first `quickRestarts`, then doubling on from that cap up to `maxMs`.
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, quickRestarts = 0, quickCapMs = maxMs): number {
  const quick = (n: number) => Math.min(quickCapMs, initialMs * 2 ** Math.min(n, 30));
  if (attempt < quickRestarts) return Math.min(maxMs, quick(attempt));
  // Past the quick ones: on doubling from the last quick delay (with none, from half the first: initialMs, 2×, 4×, …).
  return Math.min(maxMs, quick(quickRestarts - 1) * 2 ** Math.min(attempt - quickRestarts + 1, 30));
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export class Supervisor {
  private child: ChildProcess | null = null;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  private serving = false;
  /** How many times the process was started again after it exited. */
  restarts = 0;

  constructor(private readonly opts: SupervisorOptions) {}

  get current(): ChildProcess | null {
    return this.child;
  }

  /** Whether the current process passed its readiness probe and has not exited since. */
  get ready(): boolean {
    return this.serving && this.child !== null && !exited(this.child);
  }

  async run(): Promise<ChildProcess> {
    const child = await this.opts.start();
    this.watch(child);
    return child;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.child && !exited(this.child)) await this.opts.stopChild(this.child);
  }

  private delay(): number {
    return backoffDelay(
      this.attempt++,
      this.opts.initialDelayMs ?? 500,
      this.opts.maxDelayMs ?? 30_000,
      this.opts.quickRestarts ?? 5,
      this.opts.quickCapMs ?? 2000,
    );
  }

  private watch(child: ChildProcess): void {
    this.child = child;
    this.serving = true;
    const startedAt = Date.now();
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      this.serving = false;
      if (this.stopped) return;
      if (Date.now() - startedAt >= (this.opts.stableAfterMs ?? 10_000)) this.attempt = 0;
      const delay = this.delay();
      this.opts.log(`${this.opts.name} exited unexpectedly (${signal ?? `code ${code}`}); starting it again in ${delay} ms`);
      this.timer = setTimeout(() => void this.restart(), delay);
    };
    // A process that died between its probe and this line has already emitted 'exit': it is handled now.
    if (exited(child)) onExit(child.exitCode, child.signalCode);
    else child.once('exit', onExit);
  }

  private async restart(): Promise<void> {
    if (this.stopped) return;
    try {
      const child = await this.opts.start();
      this.restarts += 1;
      if (this.stopped) {
        await this.opts.stopChild(child);
        return;
      }
      this.watch(child);
      if (this.ready) this.opts.log(`${this.opts.name} running again`);
    } catch (err) {
      const delay = this.delay();
      this.opts.log(`${this.opts.name} did not start (${(err as Error).message}); trying again in ${delay} ms`);
      this.timer = setTimeout(() => void this.restart(), delay);
    }
  }
}
