/**
 * What the step proof tests share: a stack running the probe workflows with the API in front and
 * the worker's hub CA and registry open, a probe started for a participant, a hub-signed client
 * certificate, stopping a child process.
 */
import { ConnectionPackVersions } from '../../api/connection-pack';
import { UatRuns } from '../../activities/uat/uat-runs';
import { rotateHubJwsKey } from '../../activities/keys/hub-jws-key';
import { installedHubClientCertificate } from '../../activities/pki/hub-client-keys';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../api/app';
import { ApiKeyStore } from '../../api/api-keys';
import { createAuthenticator } from '../../api/auth';
import type { GatePolicyConfig } from '../../api/gate-policy';
import type { MailConfig } from '../../activities/notify/smtp-mail';
import { OnboardingGateway } from '../../api/onboarding-gateway';
import { openSecretPickups } from '../../activities/credentials/secret-pickup';
import { LocalHubCa } from '../../activities/pki/local-hub-ca';
import { openRegistry, registryFile } from '../../activities/registry/database';
import { CsrSigningService, IssuedCertificate } from '../../activities/pki/csr-signing';
import type { CaSigner } from '../../activities/pki/local-hub-ca';
import type { RegistryDb } from '../../activities/registry/database';
import type { testKeys } from './auth';
import { DatabaseIssuedCertificateRegistry } from '../../activities/pki/issued-certificates';
import { ParticipantKeyDirectory } from '../../activities/keys/participant-keys';
import type { LedgerConfig, OutboundConfig } from '../../worker/config';
import { onboardingWorkflowId, TppOnboardingInput } from '../../workflows/messages';
import { OpenSsl } from './openssl';
import { startBody } from './requests';
import { createTestStack, TestStack } from './temporal-env';

export interface StepStack {
  stack: TestStack;
  app: FastifyInstance;
  /** The worker's registry database and hub CA (same DATA_DIR). */
  db: RegistryDb;
  ca: LocalHubCa;
  /**
   * Stops the worker (a shutdown: its running activities are cancelled and retried elsewhere) and
   * starts a new one like it; `whileDown` runs in between (what arrives while no worker polls).
   */
  restartWorker(whileDown?: () => void): Promise<void>;
  close(): Promise<void>;
}

export interface StepStackOptions {
  /** The workflows the worker runs; the step probes unless given (the product's: workflows/index). */
  workflowsPath?: string;
  ledger?: LedgerConfig;
  outbound?: OutboundConfig;
  /** The gate policy the API starts onboardings with; the configuration defaults unless given. */
  gatePolicy?: GatePolicyConfig;
  /** Production allowlists may hold private ranges (a private-link hub; loopback in tests). */
  allowlist?: { productionAllowsNonPublic: boolean };
  /** A worker stop cancels running activities after this long (ms), as a killed worker leaves them. */
  workerShutdownGraceTime?: number;
  /** Changes to the stack's gateway settings before the worker starts (e.g. the edge's verifying hop). */
  gateway?: Partial<TestStack['gateway']>;
  /** Mail through a real SMTP server (the test's Mailpit); none unless given. */
  mail?: MailConfig;
}

/** Probe workflows on a worker of their own, the API in front (secrets picked up as in production). */
export async function startStepStack(name: string, keys: ReturnType<typeof testKeys>, options: StepStackOptions = {}): Promise<StepStack> {
  const workflowsPath = options.workflowsPath ?? require.resolve('../fixtures/workflows/step-probes');
  const bundle = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  const stack = await createTestStack(bundle, `${name}-${Date.now()}`);
  Object.assign(stack.gateway, options.gateway ?? {});
  const workerOptions = {
    ...(options.ledger ? { ledger: options.ledger } : {}),
    ...(options.outbound ? { outbound: options.outbound } : {}),
    ...(options.allowlist ? { allowlist: options.allowlist } : {}),
    ...(options.workerShutdownGraceTime !== undefined ? { shutdownGraceTime: options.workerShutdownGraceTime } : {}),
    ...(options.mail ? { mail: options.mail } : {}),
  };
  let worker = await stack.startWorker(workerOptions);
  // After the worker: it made the hub CA and migrated the registry.
  const db = await openRegistry(registryFile(stack.dataDir));
  const ca = await LocalHubCa.openEmbedded({ dir: path.join(stack.dataDir, 'pki', 'ca'), hubName: 'Test Hub' });
  // The tests' keys, then the registry's (participant keys issued through the API, as the kit uses them).
  const apiKeyStore = new ApiKeyStore(db);
  const storeKeys = createAuthenticator([], undefined, apiKeyStore);
  const app = buildApp({
    gateway: new OnboardingGateway(stack.client, stack.taskQueue, undefined, options.gatePolicy),
    authenticator: { authenticate: async (token) => (await keys.authenticator.authenticate(token)) ?? storeKeys.authenticate(token) },
    apiKeys: { store: apiKeyStore, publicUrl: 'http://127.0.0.1' },
    // TEST_API_LOG=error shows the API's own account of a 500 while a test is being written.
    logger: pino({ level: process.env.TEST_API_LOG ?? 'silent' }),
    secretPickups: openSecretPickups(db, stack.dataDir),
    jwsKeys: (environment) => new ParticipantKeyDirectory(db).liveJwsKeys(environment),
    publishedJwsKeys: (viewers, environment) => new ParticipantKeyDirectory(db).publishedJwsKeys(viewers, environment),
    hubServerCertificatePem: async () => readFile(path.join(stack.dataDir, 'gateway', 'tls', 'gateway.cert.pem'), 'utf8').catch(() => null),
    caChainPem: async () => ca.chainPem(),
    rotateHubJwsKey: () => rotateHubJwsKey(path.join(stack.dataDir, 'jws'), new ParticipantKeyDirectory(db), 3_600_000),
    connectionPacks: {
      hubClientCertificate: (participantId, environment) => installedHubClientCertificate(db, participantId, environment),
      versions: new ConnectionPackVersions(db),
      settings: {
        gateway: stack.gateway.listen,
        tokenEndpoint: `${stack.oauth.issuer}/token`,
        egressAddresses: ['127.0.0.1'],
        hubFspId: 'hub',
      },
    },
    uatRuns: new UatRuns(db),
  });
  await app.ready();
  return {
    stack,
    app,
    db,
    ca,
    async restartWorker(whileDown) {
      await worker.stop();
      whileDown?.();
      await new Promise((resolve) => setTimeout(resolve, 500));
      worker = await stack.startWorker(workerOptions);
    },
    async close() {
      await db.destroy();
      await app.close();
      await stack.close();
    },
  };
}

export function startProbe(stack: TestStack, workflowType: string, participantId: string) {
  const input: TppOnboardingInput = { ...startBody(participantId), requestFingerprint: `direct-${participantId}` };
  return stack.client.workflow.start(workflowType, {
    workflowId: onboardingWorkflowId(participantId),
    taskQueue: stack.taskQueue,
    args: [input],
  });
}

/** The participant's sandbox client certificate, signed by the hub CA from an openssl CSR (recorded in the registry as the worker would). */
export async function hubSignedClient(
  ssl: OpenSsl,
  ca: CaSigner,
  db: RegistryDb,
  participantId: string,
  legalName: string,
): Promise<{ cert: string; key: string; issued: IssuedCertificate }> {
  const keyFile = ssl.key(`${participantId}.key`, 'rsa:2048');
  const signing = new CsrSigningService(ca, new DatabaseIssuedCertificateRegistry(db), { validityDays: { sandbox: 90, production: 365 } });
  const issued = await signing.sign({
    csrPem: ssl.csr(`${participantId}.csr`, keyFile, `/C=GB/O=${legalName}/CN=${participantId}`),
    participant: { participantId, legalName, country: 'GB', hosts: [] },
    kind: 'tpp',
    environment: 'sandbox',
    role: 'tls-client',
  });
  return { cert: issued.certificatePem, key: readFileSync(keyFile, 'utf8'), issued };
}

export async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  // Exited already, by a code or a signal (a test that killed it): nothing to wait for.
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await exited;
}
