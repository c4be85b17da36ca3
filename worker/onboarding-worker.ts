import { readFile } from 'node:fs/promises';
import { loadRequestProofKey } from '../activities/identity/request-proof';
import type { DataConverter } from '@temporalio/common';
import { readFileSync } from 'node:fs';
import { scanPem } from '../activities/pki/pem';
import { parseCertificate, type CertificateView } from '../activities/pki/x509-model';
import { ensureEdgeKey } from '../activities/network/edge-key';
import path from 'node:path';
import { CentralLedger } from '../activities/ledger/central-ledger';
import { CallbackRoutes } from '../activities/network/callback-routes';
import { TestingToolkitSwitch } from '../activities/ledger/testing-toolkit-switch';
import { HubLedger, LedgerByEnvironment, ManualLedger } from '../activities/ledger/hub-ledger';
import { ParticipantKeyDirectory } from '../activities/keys/participant-keys';
import { ensureHubJwsKey, hubJwsKeyFile } from '../activities/keys/hub-jws-key';
import { TestingToolkitUat } from '../activities/uat/testing-toolkit-uat';
import { UatRuns } from '../activities/uat/uat-runs';
import type { Duration } from '@temporalio/common';
import { NativeConnection, Worker, WorkflowBundleOption } from '@temporalio/worker';
import { activitiesOf, ActivityGroups, createActivities } from '../activities';
import { OutboxNotifier } from '../activities/notify/outbox-notifier';
import { MailConfig, smtpDelivery } from '../activities/notify/smtp-mail';
import { CsrSigningService } from '../activities/pki/csr-signing';
import { type CredentialIssuer, RegistryCredentialIssuer } from '../activities/credentials/credential-issuer';
import { KeycloakCredentialIssuer } from '../activities/credentials/keycloak-issuer';
import { audienceFor } from '../activities/credentials/credential-issuer';
import { openSecretPickups } from '../activities/credentials/secret-pickup';
import { NetworkAccessService } from '../activities/network/access';
import { NginxGateway } from '../activities/network/nginx-gateway';
import { ensureServiceCertificate } from '../activities/pki/hub-service-certificate';
import { CaSigner, LocalHubCa } from '../activities/pki/local-hub-ca';
import { HubClientKeys, hubClientSubject } from '../activities/pki/hub-client-keys';
import { loadOrCreateSecretKey } from '../activities/secrets/key-file';
import { HubJwtKeys } from '../activities/keys/hub-jwt-keys';
import { RegistryProcessingCenter } from '../activities/processing/processing-center';
import { BankTechnicalUsers } from '../activities/credentials/technical-users';
import { NetworkRegistry } from '../activities/network/network-registry';
import { openRegistry, registryFile, type RegistryDb } from '../activities/registry/database';
import { DatabaseIssuedCertificateRegistry } from '../activities/pki/issued-certificates';
import type { HubCaConfig, UatConfig, WorkerConfig } from './config';

import { workflowInterceptorModules, workflowsPath } from './workflow-bundle';
import type { Context as ActivityContext } from '@temporalio/activity';
import type { Tracing } from '../config/tracing';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Resource } from '@opentelemetry/resources';
export { workflowsPath };

export interface OnboardingWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityGroups;
  /** Onboardings kept in memory between tasks (the SDK's sticky cache); default: the SDK's, from the heap size. */
  maxCachedWorkflows?: number;
  /** A pre-built bundle (tests bundle once per file); otherwise workflows/ is bundled at start. */
  workflowBundle?: WorkflowBundleOption;
  /** The hub's data converter (the payload codec): the same one the API and the replay use. */
  dataConverter: DataConverter;
  identity?: string;
  /** Tracing (config/tracing.ts): activity spans, and the sink for the workflow's; off when absent. */
  tracing?: Tracing;
  /** How long running activities get to finish after a shutdown before they are cancelled (and retried elsewhere); 15 s unless given. */
  shutdownGraceTime?: Duration;
}

export async function openHubCa(config: HubCaConfig): Promise<LocalHubCa> {
  if (config.mode === 'embedded') return LocalHubCa.openEmbedded({ dir: config.dir, hubName: config.hubName });
  return LocalHubCa.fromFiles({
    rootCertPem: await readFile(config.rootCertFile, 'utf8'),
    issuingCertPem: await readFile(config.issuingCertFile, 'utf8'),
    issuingKeyPem: await readFile(config.issuingKeyFile, 'utf8'),
    ...(config.passphrase ? { passphrase: config.passphrase } : {}),
  });
}

/** Production wiring of the activity ports to their embedded adapters. */
/** The nginx gateway under DATA_DIR/gateway, with a server certificate from the hub CA. */
export async function openGateway(config: Pick<WorkerConfig, 'dataDir' | 'gateway'>, ca: CaSigner): Promise<NginxGateway> {
  const prefix = path.join(config.dataDir, 'gateway');
  const tls = await ensureServiceCertificate(ca, path.join(prefix, 'tls'), 'gateway', config.gateway.hosts);
  return new NginxGateway({
    prefix,
    binary: config.gateway.binary,
    listen: config.gateway.listen,
    echoListen: config.gateway.echoListen,
    upstream: config.gateway.upstream,
    verifier: config.gateway.verifier === null ? null : { listen: config.gateway.verifier, key: ensureEdgeKey(config.dataDir) },
    tls,
  });
}

/** The CA certificates of a PEM file; a file that holds none stops the worker (a trust list that trusts nothing is a mistake). */
export function readTrustAnchors(file: string): CertificateView[] {
  const blocks = scanPem(readFileSync(file, 'utf8')).blocks.filter((b) => b.label === 'CERTIFICATE');
  if (blocks.length === 0) throw new Error(`TPP_TRUST_ANCHORS_FILE ${file} holds no certificate`);
  return blocks.map((b) => parseCertificate(b.der));
}

/** The configured credential issuer: the scheme's Keycloak (KEYCLOAK_URL) or the embedded server's registry. */
export function credentialIssuer(config: Pick<WorkerConfig, 'oauth' | 'dataDir'>, db: RegistryDb): CredentialIssuer {
  const pickups = openSecretPickups(db, config.dataDir);
  const { keycloak } = config.oauth;
  if (keycloak === null) return new RegistryCredentialIssuer(db, pickups);
  return new KeycloakCredentialIssuer(db, pickups, keycloak, {
    audience: (environment) => audienceFor(config.oauth.audience, environment),
    scopes: config.oauth.scopes,
    accessTokenTtlSeconds: config.oauth.accessTokenTtlSeconds,
  });
}

export async function createDefaultActivities(
  config: Pick<WorkerConfig, 'dataDir' | 'hubCa' | 'hubName' | 'certificateValidityDays' | 'gateway' | 'oauth' | 'ledger' | 'outbound'> & {
    mail?: MailConfig | null;
    allowlist?: WorkerConfig['allowlist'];
    tppTrustAnchorsFile?: string | null;
    uat?: UatConfig;
    /** Default: the SQLite file under dataDir. */
    registry?: string;
  },
): Promise<ActivityGroups> {
  const ca = await openHubCa(config.hubCa);
  const db = await openRegistry(config.registry ?? registryFile(config.dataDir));
  const registry = new DatabaseIssuedCertificateRegistry(db);
  const keys = new ParticipantKeyDirectory(db);
  await ensureHubJwsKey(path.join(config.dataDir, 'jws'), keys);
  return createActivities({
    // The outbox records every notification and guards against sending one twice; SMTP sends it when configured.
    notifier: new OutboxNotifier(
      path.join(config.dataDir, 'outbox', 'notifications.jsonl'),
      config.mail ? smtpDelivery(config.mail) : undefined,
    ),
    ca,
    csrSigning: new CsrSigningService(ca, registry, { validityDays: config.certificateValidityDays }),
    network: new NetworkAccessService(
      new NetworkRegistry(db),
      await openGateway(config, ca),
      config.allowlist?.productionAllowsNonPublic ? { production: { allowNonPublic: true } } : {},
    ),
    credentials: credentialIssuer(config, db),
    rotationOverlapSeconds: config.oauth.rotationOverlapSeconds,
    keys,
    tppTrustAnchors: config.tppTrustAnchorsFile ? readTrustAnchors(config.tppTrustAnchorsFile) : null,
    hubClientKeys: new HubClientKeys(
      db,
      loadOrCreateSecretKey(path.join(config.dataDir, 'pki', 'outbound', 'key-passphrase')),
      hubClientSubject(config.hubName),
    ),
    routes: new CallbackRoutes(db),
    outbound: config.outbound,
    ledger: openHubLedger(config.ledger),
    hubJwtKeys: new HubJwtKeys(db, loadOrCreateSecretKey(path.join(config.dataDir, 'jwt', 'key-passphrase'))),
    processingCenter: new RegistryProcessingCenter(db),
    technicalUsers: new BankTechnicalUsers(db, openSecretPickups(db, config.dataDir)),
    hubName: config.hubName,
    uat: openUat(config, new UatRuns(db)),
    // The API's proofs on decisions and submissions are checked with the key it signs with (REQUEST_PROOF_KEY or DATA_DIR's).
    requestProofKey: loadRequestProofKey(process.env, config.dataDir),
  });
}

/** The UAT runner is the sandbox switch's TTK: without one, the gate shows the run was skipped. */
function openUat(config: Pick<WorkerConfig, 'dataDir' | 'ledger'> & { uat?: UatConfig }, runs: UatRuns): TestingToolkitUat | null {
  const ttk = config.ledger.sandboxTtk ?? null;
  if (ttk === null) return null;
  return new TestingToolkitUat(
    {
      adminUrl: ttk.adminUrl,
      egressUrl: ttk.egressUrl,
      hubFspId: config.uat?.hubFspId ?? 'hub',
      hubJwsKeyFile: hubJwsKeyFile(path.join(config.dataDir, 'jws')),
      amount: config.uat?.amount ?? '10',
      pollMs: 1000,
      timeoutMs: config.ledger.timeoutMs,
    },
    runs,
  );
}

/** central-ledger where an environment's admin API is configured, the manual set-up where not. */
export function openHubLedger(config: WorkerConfig['ledger']): HubLedger {
  const sandboxTtk = config.sandboxTtk ?? null;
  const one = (url: string | null): HubLedger =>
    url === null
      ? new ManualLedger()
      : new CentralLedger({ url, timeoutMs: config.timeoutMs, defaultSettlementModel: config.defaultSettlementModel });
  return new LedgerByEnvironment({
    sandbox: sandboxTtk ? new TestingToolkitSwitch({ ...sandboxTtk, timeoutMs: config.timeoutMs }) : one(config.url.sandbox),
    production: one(config.url.production),
  });
}

/**
 * The Runtime's Prometheus exporter: the SDK's metrics (workflow task and activity latencies,
 * poll results, …) and the workflows' own (`onboarding_wait_seconds`), in seconds with unit suffixes.
 */
export function prometheusMetrics(bindAddress: string) {
  const minute = 60;
  const day = 24 * 3600;
  return {
    prometheus: {
      bindAddress,
      countersTotalSuffix: true,
      unitSuffix: true,
      useSecondsForDurations: true,
      // Human waits last minutes to weeks, not milliseconds.
      histogramBucketOverrides: { onboarding_wait: [minute, 10 * minute, 3600, 4 * 3600, day, 3 * day, 7 * day, 14 * day, 30 * day] },
    },
  };
}

export function createOnboardingWorker(opts: OnboardingWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: activitiesOf(opts.activities),
    // On SIGTERM running activities get this long to finish before they are cancelled, so an
    // onboarding does not wait out a start-to-close timeout after a restart.
    shutdownGraceTime: opts.shutdownGraceTime ?? '15 seconds',
    // A worker that died leaves its sticky queue unpolled: its workflows' next tasks move to the
    // shared queue after this (the SDK default is 10 s), so a restarted worker picks them up in seconds.
    stickyQueueScheduleToStartTimeout: '3 seconds',
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    interceptors: {
      // Bundled with the workflows when the worker bundles them and traces (a built bundle has them or not: worker/main.ts checks).
      ...(opts.workflowBundle || !opts.tracing?.enabled ? {} : { workflowModules: workflowInterceptorModules }),
      ...(opts.tracing?.enabled
        ? {
            activity: [
              (ctx: ActivityContext) => ({
                inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: opts.tracing?.tracer }),
                outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
              }),
            ],
          }
        : {}),
    },
    // The workflow interceptors' spans leave the sandbox through this sink (dropped when tracing is off); registered
    // always, so a bundle built with them runs in a worker that does not trace.
    sinks: {
      exporter: makeWorkflowExporter(opts.tracing?.spanProcessor ?? new NoopSpanProcessor(), opts.tracing?.resource ?? Resource.default()),
    },
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(opts.maxCachedWorkflows === undefined ? {} : { maxCachedWorkflows: opts.maxCachedWorkflows }),
    // Payloads (inputs, results, memo, summaries, current details) are encrypted at rest.
    dataConverter: opts.dataConverter,
  });
}
