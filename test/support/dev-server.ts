import { createServer } from 'node:net';
import { ensureTemporalCli } from '../../scripts/install-temporal';
import { RunningDevServer, startDevServer } from '../../scripts/dev-server';
import { loadDevConfig } from '../../scripts/temporal-dev-config';

export function freePort(): Promise<number> {
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
 * The project's pinned dev server with temporal-dev.yaml's search attributes and dynamic config,
 * headless, in memory, on free ports.
 */
export async function startTestServer(): Promise<RunningDevServer & { namespace: string }> {
  const config = loadDevConfig();
  const binary = ensureTemporalCli(config, (line) => process.stderr.write(`${line}\n`));
  const server = await startDevServer(
    binary,
    config,
    { headless: true, dbFile: null, port: await freePort(), metricsPort: await freePort() },
    { stdio: 'ignore', readyTimeoutMs: 90_000 },
  );
  return { ...server, namespace: config.server.namespace };
}
