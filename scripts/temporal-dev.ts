/**
 * `npm run temporal:dev`: only the Temporal dev server of temporal-dev.yaml (UI included), in the
 * foreground, for running the worker and the API by hand. Ctrl-C stops it.
 */
import { ensureTemporalCli } from './install-temporal';
import { startDevServer } from './dev-server';
import { loadDevConfig } from './temporal-dev-config';

async function main(): Promise<void> {
  const config = loadDevConfig();
  const binary = ensureTemporalCli(config, (line) => process.stdout.write(`${line}\n`));
  const server = await startDevServer(binary, config, {}, { stdio: 'inherit' });
  process.stdout.write(`Temporal dev server at ${server.address}; UI http://${config.server.ip}:${config.server.uiPort}\n`);
  const stop = () => void server.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  server.process.once('exit', (code) => process.exit(code ?? 1));
}

main().catch((err: unknown) => {
  process.stderr.write(`temporal:dev failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
