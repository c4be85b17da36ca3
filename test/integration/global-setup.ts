import { randomBytes } from 'node:crypto';
import type { RunningDevServer } from '../../scripts/dev-server';
import { freePort, startTestServer } from '../support/dev-server';
import { ensureTestKeycloak } from '../support/keycloak';
import { ensureTestPostgres } from '../support/postgres';

/**
 * One real dev server for the whole integration run; test files give themselves own task queues.
 * Its Web UI runs too, its codec endpoint at a port kept for the browser test's API
 * (test/integration/ops-ui.test.ts), with a viewer key of its own in the path, as `npm start` does.
 */
export default async function globalSetup(): Promise<void> {
  // Keycloak takes 15–40 s to serve: it starts while the dev server does.
  const keycloak = ensureTestKeycloak();
  keycloak.catch(() => undefined);
  const codecPort = await freePort();
  const uiCodecKey = `obk_${randomBytes(24).toString('base64url')}`;
  const uiPort = await freePort();
  const server = await startTestServer({ port: uiPort, codecEndpoint: `http://127.0.0.1:${codecPort}/codec/k/${uiCodecKey}` });
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = server.namespace;
  process.env.TEMPORAL_TEST_UI_URL = `http://127.0.0.1:${uiPort}`;
  process.env.TEMPORAL_TEST_CODEC_PORT = String(codecPort);
  process.env.TEMPORAL_TEST_UI_CODEC_KEY = uiCodecKey;
  (globalThis as { __temporalDevServer?: RunningDevServer }).__temporalDevServer = server;
  // The multi-process test's registry (and the unit project's registry suites, if it runs first).
  await ensureTestPostgres();
  // The Keycloak adapter's test (test/integration/keycloak-issuer.test.ts).
  await keycloak;
}
