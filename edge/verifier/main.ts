/**
 * `npm run edge` (started by `npm start`): the edge's verifying hop between nginx and the
 * upstreams, on `EDGE_VERIFIER_LISTEN`, and its egress for the switch's calls to DFSPs, on
 * `EDGE_EGRESS_LISTEN`. It reads the registry (OAuth clients, participants' JWS keys, grants,
 * callback routes, the hub's client keys) and the authorization server's JWKS over HTTPS
 * (trusting the hub CA) or the scheme Keycloak realm's; the hop takes requests only from the gateway (its key in
 * DATA_DIR/gateway/edge-key). SIGINT/SIGTERM stop it.
 */
import { loadTracingSettings, startTracing } from '../../config/tracing';
import { createPublicKey, type KeyObject } from 'node:crypto';
import pino from 'pino';
import { ParticipantKeyDirectory } from '../../activities/keys/participant-keys';
import { ensureEdgeKey } from '../../activities/network/edge-key';
import { NetworkRegistry } from '../../activities/network/network-registry';
import { CallbackRoutes } from '../../activities/network/callback-routes';
import { egressConfig } from '../../activities/network/egress';
import { HubClientKeys, hubClientSubject } from '../../activities/pki/hub-client-keys';
import { loadOrCreateSecretKey } from '../../activities/secrets/key-file';
import { buildEgress } from '../egress/app';
import path from 'node:path';
import type { Environment } from '../../workflows/vocabulary';
import { openRegistry } from '../../activities/registry/database';
import { loadWorkerConfig } from '../../worker/config';
import { openHubCa } from '../../worker/onboarding-worker';
import { buildEdgeVerifier } from './app';
import { FreshCache } from './fresh-cache';
import { registryTokenVerifier } from './token-verifier';

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  if (config.gateway.verifier === null && !config.gateway.egress)
    throw new Error('EDGE_VERIFIER_LISTEN and EDGE_EGRESS_LISTEN are off: nothing to run');
  const logger = pino({ level: config.logLevel, redact: ['req.headers.authorization', 'headers.authorization', 'authorization'] });
  const ca = await openHubCa(config.hubCa);
  const db = await openRegistry(config.registry);
  const directory = new ParticipantKeyDirectory(db);
  const parsed = new Map<string, KeyObject>();
  // At most this stale: a retired key is refused within a second.
  const keys = new FreshCache<KeyObject[] | null>(1000);
  const pins = new FreshCache<ReadonlySet<string>>(1000);
  const network = new NetworkRegistry(db);
  const tracing = startTracing(loadTracingSettings(process.env, 'onboarding-edge'));
  const app = buildEdgeVerifier({
    logger,
    ...(tracing.enabled ? { tracer: tracing.tracer } : {}),
    gatewayKey: ensureEdgeKey(config.dataDir),
    tokens: registryTokenVerifier(config.oauth, db, ca.chainPem()),
    jwsKeys: (participantId, environment) =>
      keys.get(`${participantId}@${environment}`, async () =>
        !(await directory.everHadJwsKey(participantId, environment))
          ? null
          : (await directory.liveJwsKeys(environment))
              .filter((k) => k.participantId === participantId)
              .map((k) => parsed.get(k.publicKeyPem) ?? parsed.set(k.publicKeyPem, createPublicKey(k.publicKeyPem)).get(k.publicKeyPem)!),
      ),
    pinned: (participantId, environment) =>
      pins.get(
        `${participantId}@${environment}`,
        async () =>
          new Set((await network.liveClientCertificates(participantId, environment as Environment, new Date())).map((c) => c.sha256)),
      ),
    fspiopScope: config.gateway.fspiopScope,
    upstream: (environment) =>
      (environment === 'production' ? config.gateway.upstream.production : config.gateway.upstream.sandbox) ??
      `http://${config.gateway.echoListen}`,
  });
  const hostPort = (listen: string) => ({ host: listen.slice(0, listen.lastIndexOf(':')), port: Number(listen.split(':').pop()) });
  if (config.gateway.verifier !== null) {
    await app.listen(hostPort(config.gateway.verifier));
    logger.info({ listen: config.gateway.verifier }, 'edge verifier listening');
  }
  const routes = new CallbackRoutes(db);
  const hubClientKeys = new HubClientKeys(
    db,
    loadOrCreateSecretKey(path.join(config.dataDir, 'pki', 'outbound', 'key-passphrase')),
    hubClientSubject(config.hubName),
  );
  // Every switch call reads the grant and the route: at most a second stale, as the hop's reads.
  const grants = new FreshCache<boolean>(1000);
  const callbackRoutes = new FreshCache<Awaited<ReturnType<CallbackRoutes['find']>>>(1000);
  // Opening the sealed key costs a key derivation: kept a few seconds (a retired key is gone within them).
  const identities = new FreshCache<Awaited<ReturnType<HubClientKeys['outboundIdentity']>>>(5000);
  const egress = buildEgress({
    logger: logger.child({ component: 'egress' }),
    granted: (participantId, environment) =>
      grants.get(`${participantId}@${environment}`, () => network.isGranted(participantId, environment)),
    route: (participantId, environment) =>
      callbackRoutes.get(`${participantId}@${environment}`, () => routes.find(participantId, environment)),
    identity: (participantId, environment) =>
      identities.get(`${participantId}@${environment}`, () => hubClientKeys.outboundIdentity(participantId, environment)),
    egress: egressConfig(config.outbound.connectTo),
    timeoutMs: config.outbound.timeoutMs,
  });
  if (config.gateway.egress) {
    await egress.listen(hostPort(config.gateway.egress));
    logger.info({ listen: config.gateway.egress }, 'edge egress listening');
  }
  const stop = () => void Promise.all([app.close(), egress.close()]).then(() => db.destroy().then(() => process.exit(0)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`edge verifier failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
