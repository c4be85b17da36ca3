/**
 * `npm run gateway` (started by `npm start`): the nginx gateway in the foreground. Renders the
 * configuration for what the registry holds now (server certificate from the hub CA, mTLS per
 * environment, participants and allowlists), checks it with `nginx -t`, then runs nginx with
 * `-p DATA_DIR/gateway`. The worker reloads it on every change; SIGINT/SIGTERM stop it gracefully.
 */
import { openRegistry } from '../activities/registry/database';
import { NetworkRegistry } from '../activities/network/network-registry';
import { loadWorkerConfig } from '../worker/config';
import { openGateway, openHubCa } from '../worker/onboarding-worker';

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  const ca = await openHubCa(config.hubCa);
  const db = await openRegistry(config.registry);
  const gateway = await openGateway(config, ca);
  // As the one gateway writer: no worker's apply interleaves with the start's rendering.
  const network = new NetworkRegistry(db);
  const applied = await network.asGatewayWriter(async () => gateway.prepare(await network.desiredState(new Date()), 'gateway start'));
  await db.destroy();
  if (applied.status === 'refused') throw new Error(`nginx refused the configuration: ${applied.message}`);
  // A master killed earlier leaves workers that keep the ports and serve the old revision: stopped first.
  const stale = await gateway.clearStale();
  if (stale.length > 0)
    process.stdout.write(`gateway: stopped ${stale.length} nginx process(es) left by an earlier run (${stale.join(', ')})\n`);
  const nginx = gateway.start();
  const stop = () => nginx.kill('SIGQUIT');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  nginx.once('exit', (code, signal) => process.exit(signal === 'SIGQUIT' ? 0 : (code ?? 1)));
  // Ready when this nginx (the pid file names it) serves the live file's revision — not when some port answers.
  const deadline = Date.now() + 20_000;
  while (!(await gateway.servesAs(nginx.pid ?? -1))) {
    if (Date.now() > deadline) {
      nginx.kill('SIGTERM');
      throw new Error('nginx did not serve the live revision within 20 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  process.stdout.write(
    `gateway: ready (nginx ${nginx.pid}): sandbox https://${config.gateway.listen.sandbox}, production https://${config.gateway.listen.production} (mTLS, hub CA), configuration ${gateway.configFile}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
