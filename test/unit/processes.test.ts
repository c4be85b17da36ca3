/** `waitUntil`, the readiness wait of every process `npm start` runs: a child that never gets ready is stopped, one killed by a signal is noticed. */
import { spawn } from 'node:child_process';
import { waitUntil } from '../../scripts/processes';

const idle = () => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });

describe('waitUntil', () => {
  it('stops a child that is not ready in time instead of leaving it running', async () => {
    const child = idle();
    await expect(waitUntil('idle', 600, child, async () => false)).rejects.toThrow('idle not ready within 600 ms');
    expect(child.exitCode !== null || child.signalCode !== null).toBe(true);
  });

  it('notices a child killed by a signal (its exit code stays null)', async () => {
    const child = idle();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    await expect(waitUntil('killed', 5000, child, async () => false)).rejects.toThrow('killed exited (SIGKILL)');
  });

  it('returns once the probe says ready', async () => {
    const child = idle();
    let calls = 0;
    await waitUntil('ready', 5000, child, async () => ++calls >= 2);
    expect(calls).toBe(2);
    child.kill('SIGKILL');
  });
});
