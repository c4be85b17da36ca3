import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stopChild } from '../../scripts/dev-server';
import { backoffDelay, Supervisor } from '../../scripts/supervisor';

describe('the npm start supervisor', () => {
  it('backs off 1 s, 2 s, 4 s … up to the maximum', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffDelay(n, 1000, 30_000))).toEqual([1000, 2000, 4000, 8000, 30_000]);
  });

  it('keeps the first restarts quick (capped), then doubles on from the cap to the maximum', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 10].map((n) => backoffDelay(n, 500, 30_000, 5, 2000))).toEqual([
      500, 1000, 2000, 2000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
  });

  it('counts an exit after the process served stableAfterMs as the first again: a healthy process killed often restarts quickly every time', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({
      name: 'healthy',
      log: (line) => lines.push(line),
      stopChild: (child) => stopChild(child, 2000),
      start: async () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }),
      initialDelayMs: 50,
      stableAfterMs: 300,
    });
    await supervisor.run();
    for (let kill = 0; kill < 3; kill++) {
      // Serves past stableAfterMs, then is killed.
      await new Promise((r) => setTimeout(r, 400));
      const pid = supervisor.current!.pid!;
      supervisor.current!.kill('SIGKILL');
      for (let i = 0; i < 200 && (supervisor.current?.pid === pid || !supervisor.ready); i++) await new Promise((r) => setTimeout(r, 25));
    }
    // Killed at once after its restart, it counts as crash-looping: its next delay grows.
    const pid = supervisor.current!.pid!;
    supervisor.current!.kill('SIGKILL');
    for (let i = 0; i < 200 && (supervisor.current?.pid === pid || !supervisor.ready); i++) await new Promise((r) => setTimeout(r, 25));
    expect(lines.filter((l) => l.includes('exited unexpectedly'))).toEqual([
      'healthy exited unexpectedly (SIGKILL); starting it again in 50 ms',
      'healthy exited unexpectedly (SIGKILL); starting it again in 50 ms',
      'healthy exited unexpectedly (SIGKILL); starting it again in 50 ms',
      'healthy exited unexpectedly (SIGKILL); starting it again in 100 ms',
    ]);
    await supervisor.stop();
  });

  it('restarts a process killed by a signal, and one that died before it was watched', async () => {
    const lines: string[] = [];
    let starts = 0;
    const supervisor = new Supervisor({
      name: 'fragile',
      log: (line) => lines.push(line),
      stopChild: (child) => stopChild(child, 2000),
      start: async () => {
        starts += 1;
        const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
        if (starts === 2) {
          // Dies by a signal after its probe passed and before the supervisor watches it: 'exit' has already fired.
          const gone = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await gone;
        }
        return child;
      },
      initialDelayMs: 50,
    });
    const first = await supervisor.run();
    expect(supervisor.ready).toBe(true);
    first.kill('SIGKILL');
    for (let i = 0; i < 200 && starts < 3; i++) await new Promise((r) => setTimeout(r, 25));
    for (let i = 0; i < 200 && !supervisor.ready; i++) await new Promise((r) => setTimeout(r, 25));
    expect(starts).toBe(3);
    expect(supervisor.ready).toBe(true);
    expect(lines.filter((l) => l.includes('exited unexpectedly'))).toEqual([
      'fragile exited unexpectedly (SIGKILL); starting it again in 50 ms',
      'fragile exited unexpectedly (SIGKILL); starting it again in 100 ms',
    ]);
    await supervisor.stop();
    expect(supervisor.ready).toBe(false);
  });

  it('restarts a process that crashes, with backoff, and leaves it alone once stopped', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'supervise-'));
    const starts = path.join(dir, 'starts');
    writeFileSync(starts, '');
    // A real process that crashes on its first two runs and stays up on the third.
    const script = `const fs=require('fs');fs.appendFileSync(${JSON.stringify(starts)},'x');if(fs.readFileSync(${JSON.stringify(starts)},'utf8').length<3)process.exit(3);setInterval(()=>{},1000);`;
    const lines: string[] = [];
    const supervisor = new Supervisor({
      name: 'crashy',
      log: (line) => lines.push(line),
      stopChild: (child) => stopChild(child, 2000),
      start: async () => spawn(process.execPath, ['-e', script], { stdio: 'ignore' }),
      initialDelayMs: 50,
      maxDelayMs: 200,
    });
    await supervisor.run();
    for (let i = 0; i < 200 && readFileSync(starts, 'utf8').length < 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(supervisor.restarts).toBe(2);
    expect(lines.filter((l) => l.includes('exited unexpectedly'))).toEqual([
      'crashy exited unexpectedly (code 3); starting it again in 50 ms',
      'crashy exited unexpectedly (code 3); starting it again in 100 ms',
    ]);
    const running = supervisor.current!;
    expect(running.exitCode).toBeNull();
    await supervisor.stop();
    expect(running.signalCode).toBe('SIGTERM');
    // Stopped for good: no fourth start.
    await new Promise((r) => setTimeout(r, 500));
    expect(readFileSync(starts, 'utf8')).toBe('xxx');
  });
});
