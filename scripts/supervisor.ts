/**
 * Keeps one child process of `npm start` running: when it exits unexpectedly it is started again
 * after a backoff (1 s, doubling to 30 s; back to 1 s once it has stayed up a minute), and the
 * rest of the stack stays up. `stop()` ends it for good.
 */
import type { ChildProcess } from 'node:child_process';

export interface SupervisorOptions {
  name: string;
  /** Starts the process (and waits until it is ready, if it can tell). */
  start(): Promise<ChildProcess>;
  /** Stops a running process gracefully. */
  stopChild(child: ChildProcess): Promise<void>;
  log(line: string): void;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Uptime after which a crash counts as the first again. */
  stableAfterMs?: number;
}

/** The delay before restart number `attempt` (0-based). */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number): number {
  return Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
}

export class Supervisor {
  private child: ChildProcess | null = null;
  private stopped = false;
  private attempt = 0;
  private timer: NodeJS.Timeout | null = null;
  /** How many times the process was started again after a crash. */
  restarts = 0;

  constructor(private readonly opts: SupervisorOptions) {}

  get current(): ChildProcess | null {
    return this.child;
  }

  async run(): Promise<ChildProcess> {
    const child = await this.opts.start();
    this.watch(child);
    return child;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) await this.opts.stopChild(this.child);
  }

  private watch(child: ChildProcess): void {
    this.child = child;
    const startedAt = Date.now();
    child.once('exit', (code, signal) => {
      if (this.stopped) return;
      if (Date.now() - startedAt >= (this.opts.stableAfterMs ?? 60_000)) this.attempt = 0;
      const delay = backoffDelay(this.attempt++, this.opts.initialDelayMs ?? 1000, this.opts.maxDelayMs ?? 30_000);
      this.opts.log(`${this.opts.name} exited unexpectedly (${signal ?? `code ${code}`}); starting it again in ${delay} ms`);
      this.timer = setTimeout(() => void this.restart(), delay);
    });
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
      this.opts.log(`${this.opts.name} running again`);
    } catch (err) {
      const delay = backoffDelay(this.attempt++, this.opts.initialDelayMs ?? 1000, this.opts.maxDelayMs ?? 30_000);
      this.opts.log(`${this.opts.name} did not start (${(err as Error).message}); trying again in ${delay} ms`);
      this.timer = setTimeout(() => void this.restart(), delay);
    }
  }
}
