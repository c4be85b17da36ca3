import { ensureTemporalCli } from '../../scripts/install-temporal';
import { freePort, RunningDevServer, startDevServer } from '../../scripts/dev-server';

export { freePort };
import { loadDevConfig } from '../../scripts/temporal-dev-config';

/**
 * The project's pinned dev server with temporal-dev.yaml's search attributes and dynamic config,
 * in memory, on free ports; headless unless `ui` names the UI's port and codec endpoint.
 */
export async function startTestServer(ui?: { port: number; codecEndpoint: string }): Promise<RunningDevServer & { namespace: string }> {
  const loaded = loadDevConfig();
  const config = ui ? { ...loaded, ui: { ...loaded.ui, codecEndpoint: ui.codecEndpoint } } : loaded;
  const binary = ensureTemporalCli(config, (line) => process.stderr.write(`${line}\n`));
  // A port free when picked can be taken before the server binds it (its services bind ports next
  // to the frontend's, and every connection on this machine holds an ephemeral port): a server
  // that exits before it answers is started again on other ports, up to three times.
  for (let attempt = 1; ; attempt++) {
    try {
      const server = await startDevServer(
        binary,
        config,
        {
          headless: ui === undefined,
          ...(ui ? { uiPort: ui.port } : {}),
          dbFile: null,
          port: await freePort(),
          metricsPort: await freePort(),
        },
        { stdio: 'ignore', readyTimeoutMs: 90_000 },
      );
      return { ...server, namespace: config.server.namespace };
    } catch (err) {
      if (attempt >= 3 || !(err instanceof Error) || !err.message.includes('exited with code')) throw err;
      process.stderr.write(`${err.message}; starting it again on other ports\n`);
    }
  }
}
