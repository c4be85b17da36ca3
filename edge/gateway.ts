/**
 * `npm run gateway` (started by `npm start`): the nginx gateway in the foreground. Renders the
 * configuration for what the registry holds now (server certificate from the hub CA, mTLS per
 * environment, participants and allowlists), checks it with `nginx -t`, then runs nginx with
 * `-p DATA_DIR/gateway`. The worker reloads it on every change; SIGINT/SIGTERM stop it gracefully.
 */
import { openRegistry, registryFile } from '../activities/registry/database';
import { NetworkRegistry } from '../activities/network/network-registry';
import { loadWorkerConfig } from '../worker/config';
import { openGateway, openHubCa } from '../worker/onboarding-worker';

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  const ca = await openHubCa(config.hubCa);
  const db = await openRegistry(registryFile(config.dataDir));
  const gateway = await openGateway(config, ca);
  const applied = await gateway.apply(await new NetworkRegistry(db).desiredState(new Date()), 'gateway start');
  await db.destroy();
  if (applied.status === 'refused') throw new Error(`nginx refused the configuration: ${applied.message}`);
  const nginx = gateway.start();
  const stop = () => nginx.kill('SIGQUIT');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(
    `gateway: sandbox https://${config.gateway.listen.sandbox}, production https://${config.gateway.listen.production} (mTLS, hub CA), configuration ${gateway.configFile}\n`,
  );
  nginx.once('exit', (code, signal) => process.exit(signal === 'SIGQUIT' ? 0 : (code ?? 1)));
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
