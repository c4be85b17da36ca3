import { createServer } from 'node:net';
import { ensureTemporalCli } from '../../scripts/install-temporal';
import { startDevServer, RunningDevServer } from '../../scripts/dev-server';
import { loadDevConfig } from '../../scripts/temporal-dev-config';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * One real dev server (the project's pinned binary, temporal-dev.yaml's search attributes and
 * dynamic config) for the whole integration run: headless, in memory, on free ports.
 */
export default async function globalSetup(): Promise<void> {
  const config = loadDevConfig();
  const binary = ensureTemporalCli(config, (line) => process.stderr.write(`${line}\n`));
  const server = await startDevServer(
    binary,
    config,
    { headless: true, dbFile: null, port: await freePort(), metricsPort: await freePort() },
    { stdio: 'ignore', readyTimeoutMs: 90_000 },
  );
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = config.server.namespace;
  (globalThis as { __temporalDevServer?: RunningDevServer }).__temporalDevServer = server;
}
