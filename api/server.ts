import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { loadTracingSettings, startTracing } from '../config/tracing';
import { readFile } from 'node:fs/promises';
import { loadRequestProofKey } from '../activities/identity/request-proof';
import { AesGcmPayloadCodec, hubDataConverter, loadKeyRing } from '../activities/secrets/payload-codec';
import { Client, Connection } from '@temporalio/client';
import { openRegistry } from '../activities/registry/database';
import { ParticipantKeyDirectory } from '../activities/keys/participant-keys';
import { openSecretPickups } from '../activities/credentials/secret-pickup';
import path from 'node:path';
import { rotateHubJwsKey } from '../activities/keys/hub-jws-key';
import { buildApp } from './app';
import { ConnectionPackVersions } from './connection-pack';
import { UatRuns } from '../activities/uat/uat-runs';
import { installedHubClientCertificate } from '../activities/pki/hub-client-keys';
import { createAuthenticator, readApiKeyFile } from './auth';
import { ApiKeyStore } from './api-keys';
import { loadApiConfig } from './config';
import { createApiLogger } from './logging';
import { OnboardingGateway } from './onboarding-gateway';

/**
 * The CA chain file, read once it exists: the worker creates it on its first start, and a new
 * chain (files mode) comes with a restart anyway.
 */
function caChainReader(file: string): () => Promise<string | null> {
  let chain: string | null = null;
  return async () => {
    if (chain !== null) return chain;
    try {
      chain = await readFile(file, 'utf8');
      return chain;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  };
}

/** A file read on every call (the gateway's certificate is reissued while the API runs); null while it does not exist. */
function fileReader(file: string): () => Promise<string | null> {
  return async () => {
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  };
}

async function main(): Promise<void> {
  const config = loadApiConfig(process.env);
  const logger = createApiLogger(config.logLevel);
  // Lazy: the API starts (and /readyz says 503) even while Temporal is still coming up.
  const connection = Connection.lazy(config.temporal.connectionOptions);
  // One codec for the API's own client and the Web UI's codec endpoint.
  const codec = new AesGcmPayloadCodec(loadKeyRing(process.env, config.dataDir));
  const tracing = startTracing(loadTracingSettings(process.env, 'onboarding-api'));
  const client = new Client({
    connection,
    namespace: config.namespace,
    dataConverter: hubDataConverter(codec),
    ...(tracing.enabled ? { interceptors: { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] } } : {}),
  });
  const registry = await openRegistry(config.registry);
  // The key file is the bootstrap: its entries join the registry's keys once (a key revoked through the API stays revoked).
  const apiKeyStore = new ApiKeyStore(registry);
  const fileKeys = await readApiKeyFile(config.apiKeysFile);
  const imported = await apiKeyStore.importFile(fileKeys);
  if (imported > 0) logger.info({ apiKeysFile: config.apiKeysFile, imported }, 'API keys imported from the key file');
  if (fileKeys.length === 0 && config.jwt === null) {
    logger.warn(
      { apiKeysFile: config.apiKeysFile },
      'no API keys in the key file and no JWT issuer: only keys issued through the API are accepted (npm run api:key makes a staff key)',
    );
  }
  const keyDirectory = new ParticipantKeyDirectory(registry);
  const app = buildApp({
    ...(tracing.enabled ? { tracer: tracing.tracer } : {}),
    gateway: new OnboardingGateway(
      client,
      config.taskQueue,
      undefined,
      config.gatePolicy,
      loadRequestProofKey(process.env, config.dataDir),
    ),
    authenticator: createAuthenticator([], config.jwt ?? undefined, apiKeyStore),
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    rateLimitPerMinute: config.rateLimitPerMinute,
    codec: { codec, uiOrigins: config.uiOrigins },
    caChainPem: caChainReader(config.caChainFile),
    hubServerCertificatePem: fileReader(config.hubServerCertFile),
    secretPickups: openSecretPickups(registry, config.dataDir),
    jwsKeys: (environment) => keyDirectory.liveJwsKeys(environment),
    publishedJwsKeys: (viewers, environment) => keyDirectory.publishedJwsKeys(viewers, environment),
    rotateHubJwsKey: () => rotateHubJwsKey(path.join(config.dataDir, 'jws'), keyDirectory, config.gatePolicy.jwsKeyOverlapMs),
    connectionPacks: {
      hubClientCertificate: (participantId, environment) => installedHubClientCertificate(registry, participantId, environment),
      versions: new ConnectionPackVersions(registry),
      settings: config.connectionPack,
    },
    uatRuns: new UatRuns(registry),
    apiKeys: { store: apiKeyStore, publicUrl: config.publicUrl },
    participantSelfStart: config.participantSelfStart,
  });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'api stopping');
    await app.close();
    await connection.close();
    await tracing.shutdown();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ host: config.host, port: config.port });
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
