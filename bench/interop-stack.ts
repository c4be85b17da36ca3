/** What the interop benches share: a dev server of their own and the interop rig around the measured part, and the exit code. */
import { startTestServer } from '../test/support/dev-server';
import { startInteropRig, stopInteropRig } from '../test/support/interop-rig';

/** Runs `body` against a fresh dev server and the interop rig, and stops both whatever happens. */
export async function withInteropStack(options: Parameters<typeof startInteropRig>[0], body: () => Promise<void>): Promise<void> {
  const server = await startTestServer();
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = server.namespace;
  try {
    await startInteropRig(options);
    await body();
  } finally {
    await stopInteropRig();
    await server.stop();
  }
}

/** Exits 0 when `main` resolves, 1 with its stack when it throws (the rig's child processes stop with the process). */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
