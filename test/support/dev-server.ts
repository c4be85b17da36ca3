import { ensureTemporalCli } from '../../scripts/install-temporal';
import { freePort, RunningDevServer, startDevServer } from '../../scripts/dev-server';

export { freePort };
import { loadDevConfig } from '../../scripts/temporal-dev-config';


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
