import type { RunningDevServer } from '../../scripts/dev-server';
import { startTestServer } from '../support/dev-server';

/** One real dev server for the whole integration run; test files give themselves own task queues. */
export default async function globalSetup(): Promise<void> {
  const server = await startTestServer();
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = server.namespace;
  (globalThis as { __temporalDevServer?: RunningDevServer }).__temporalDevServer = server;
}
