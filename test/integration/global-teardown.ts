import type { RunningDevServer } from '../../scripts/dev-server';
import { stopTestKeycloak } from '../support/keycloak';
import { stopTestPostgres } from '../support/postgres';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __temporalDevServer?: RunningDevServer }).__temporalDevServer?.stop();
  await stopTestPostgres();
  await stopTestKeycloak();
}
