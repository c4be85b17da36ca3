/**
 * The project's TypeScript entry points as child processes: started with tsx, their output
 * prefixed with their name, waited for until a probe says they are ready. `npm start` runs the
 * stack with these; the CSR bench runs its worker and API with them.
 */
import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { sleep } from './dev-server';
import { projectRoot } from './temporal-dev-config';

/** Copies a child's output to ours, line by line, each line prefixed with `[name]`. */
export function prefixOutput(child: ChildProcess, name: string, to: NodeJS.WritableStream = process.stdout): void {
  for (const stream of [child.stdout, child.stderr]) {
    stream?.setEncoding('utf8');
    let buffered = '';
    stream?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) to.write(`[${name}] ${line}\n`);
    });
  }
}

/** Runs `entry` (relative to the project root) with tsx; `nodeArgs` go before it (e.g. --cpu-prof). */
export function spawnTs(
  entry: string,
  name: string,
  env: NodeJS.ProcessEnv,
  options: { nodeArgs?: string[]; output?: NodeJS.WritableStream } = {},
): ChildProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', entry], {
    cwd: projectRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  prefixOutput(child, name, options.output);
  return child;
}

export async function waitUntil(what: string, timeoutMs: number, child: ChildProcess, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // A death by signal leaves exitCode null: both are looked at.
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode !== null ? `code ${child.exitCode}` : child.signalCode})`);
    }
    if (await probe().catch(() => false)) return;
    await sleep(300);
  }
  // Not ready in time: the child is stopped, not left running behind a start that failed.
  child.kill('SIGTERM');
  const exited = await Promise.race([
    new Promise<boolean>((resolve) => child.once('exit', () => resolve(true))),
    sleep(5000).then(() => false),
  ]);
  if (!exited) child.kill('SIGKILL');
  throw new Error(`${what} not ready within ${timeoutMs} ms`);
}

/** The worker is ready when the server sees its pollers on the task queue (identity `<pid>@host`). */
export async function workerPolling(
  connection: Pick<Connection, 'workflowService'>,
  namespace: string,
  taskQueue: string,
  pid: number,
): Promise<boolean> {
  const res = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (res.pollers ?? []).some((p) => p.identity?.startsWith(`${pid}@`));
}

/** Whether the child has printed `text` since it started (a readiness line of its own), seen on stdout. */
export function announces(child: ChildProcess, text: string): () => boolean {
  let seen = false;
  let tail = '';
  child.stdout?.on('data', (chunk: Buffer | string) => {
    tail = (tail + chunk.toString()).slice(-4096);
    seen ||= tail.includes(text);
  });
  return () => seen;
}

/** Whether something accepts a TCP connection at host:port now (a fresh probe, within `timeoutMs`). */
export function tcpAnswers(hostPort: string, timeoutMs = 1000): Promise<boolean> {
  const at = hostPort.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostPort.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(at + 1)) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
