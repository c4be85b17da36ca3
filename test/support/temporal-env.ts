import { mkdtempSync } from 'node:fs';
import { testDataConverter } from './codec';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  LogEntry,
  makeTelemetryFilterString,
  NativeConnection,
  Runtime,
  Worker,
  WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { MailConfig } from '../../activities/notify/smtp-mail';
import { embeddedOauthEndpoints, type GatewayConfig, type LedgerConfig, type OauthConfig, type OutboundConfig } from '../../worker/config';
import { createDefaultActivities, createOnboardingWorker, prometheusMetrics, workflowsPath } from '../../worker/onboarding-worker';
import { freePort } from './dev-server';

/**
 * Quiet SDK logs in tests, and the worker's Prometheus exporter on a free port (its URL in
 * TEST_RUNTIME_METRICS_URL); once per process — the Runtime outlives each test file's modules.
 */
export async function installQuietRuntime(): Promise<void> {
  if (process.env.TEST_RUNTIME_METRICS_URL) return;
  const port = await freePort();
  const printed = new DefaultLogger('WARN');
  try {
    Runtime.install({
      // Warnings are printed; info lines of workflows and activities are kept for assertions (capturedLogs).
      logger: new DefaultLogger('INFO', (entry) => {
        const logs = capturedLogs();
        logs.push(entry);
        if (logs.length > 20_000) logs.splice(0, 10_000);
        if (entry.level === 'WARN' || entry.level === 'ERROR') printed.log(entry.level, entry.message, entry.meta);
      }),
      // The drift test provokes a nondeterminism warning from core on purpose.
      telemetryOptions: {
        logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }) },
        metrics: prometheusMetrics(`127.0.0.1:${port}`),
      },
    });
    process.env.TEST_RUNTIME_METRICS_URL = `http://127.0.0.1:${port}/metrics`;
  } catch {
    // Already installed in this process without a metrics URL (a script that installed its own).
  }
}

/** Log entries the Runtime logger received in this process (the Runtime outlives test files). */
export function capturedLogs(): LogEntry[] {
  const holder = globalThis as { __onboardingTestLogs?: LogEntry[] };
  holder.__onboardingTestLogs ??= [];
  return holder.__onboardingTestLogs;
}

export function testServer(): { address: string; namespace: string } {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  const namespace = process.env.TEMPORAL_TEST_NAMESPACE;
  if (!address || !namespace) throw new Error('integration tests need the global setup (jest --selectProjects integration)');
  return { address, namespace };
}

export async function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
}

export interface TestStack {
  client: Client;
  nativeConnection: NativeConnection;
  taskQueue: string;
  dataDir: string;
  namespace: string;
  /** The worker's gateway settings (free loopback ports); nginx runs only where a test starts it. */
  gateway: GatewayConfig;
  /** The authorization server's settings (free port; a 2 s rotation overlap so tests can see it end). */
  oauth: OauthConfig;
  startWorker(options?: {
    /** PEM file of the CAs a TPP's own production certificate must chain to. */
    tppTrustAnchorsFile?: string;
    ledger?: LedgerConfig;
    outbound?: OutboundConfig;
    mail?: MailConfig;
    allowlist?: { productionAllowsNonPublic: boolean };
    /** A stop cancels running activities after this long (ms). */
    shutdownGraceTime?: number;
  }): Promise<{ worker: Worker; stop(): Promise<void> }>;
  close(): Promise<void>;
}

/** Debian's nginx-light, for the tests that run the gateway. */
export const nginxBinary = process.env.NGINX_BINARY ?? '/usr/sbin/nginx';

/** A real client and real workers on a task queue of their own, against the global dev server. */
export async function createTestStack(bundle: WorkflowBundleWithSourceMap, taskQueue: string): Promise<TestStack> {
  await installQuietRuntime();
  const { address, namespace } = testServer();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace, dataConverter: testDataConverter() });
  const nativeConnection = await NativeConnection.connect({ address });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'onboarding-test-'));
  const running = new Set<{ stop(): Promise<void> }>();
  const gateway: GatewayConfig = {
    // No gateway unless the test starts nginx (startStepStack's `gateway: { binary: nginxBinary }`):
    // the worker then keeps what it grants, as on a machine without nginx, instead of waiting for a
    // gateway that never runs (nothing is applied while nginx is installed but not running).
    binary: path.join(dataDir, 'no-gateway-in-this-test', 'nginx'),
    listen: { sandbox: `127.0.0.1:${await freePort()}`, production: `127.0.0.1:${await freePort()}` },
    echoListen: `127.0.0.1:${await freePort()}`,
    upstream: { sandbox: null, production: null },
    hosts: ['localhost', '127.0.0.1'],
    // The edge's verifying hop runs only where a test starts it (test/integration/edge.test.ts).
    verifier: null,
    fspiopScope: 'fspiop',
  };
  const oauthListen = `127.0.0.1:${await freePort()}`;
  const oauth: OauthConfig = {
    listen: oauthListen,
    ...embeddedOauthEndpoints(oauthListen),
    audience: 'https://hub.test/api',
    scopes: ['accounts', 'transactions', 'payments', 'balances', 'fspiop'],
    accessTokenTtlSeconds: 300,
    rotationOverlapSeconds: 2,
  };
  return {
    client,
    nativeConnection,
    taskQueue,
    dataDir,
    namespace,
    gateway,
    oauth,
    async startWorker(
      options: {
        ledger?: LedgerConfig;
        outbound?: OutboundConfig;
        mail?: MailConfig;
        allowlist?: { productionAllowsNonPublic: boolean };
        tppTrustAnchorsFile?: string;
        /** A stop cancels running activities after this long (they are retried on the next worker), as a killed worker's would be. */
        shutdownGraceTime?: number;
      } = {},
    ) {
      const worker = await createOnboardingWorker({
        connection: nativeConnection,
        namespace,
        taskQueue,
        dataConverter: testDataConverter(),
        activities: await createDefaultActivities({
          dataDir,
          hubCa: { mode: 'embedded', dir: path.join(dataDir, 'pki', 'ca'), hubName: 'Test Hub' },
          certificateValidityDays: { sandbox: 90, production: 365 },
          gateway,
          oauth,
          ledger: options.ledger ?? { url: { sandbox: null, production: null }, timeoutMs: 5000, defaultSettlementModel: false },
          hubName: 'Test Hub',
          outbound: options.outbound ?? { timeoutMs: 3000, connectTo: {} },
          mail: options.mail ?? null,
          ...(options.allowlist ? { allowlist: options.allowlist } : {}),
          ...(options.tppTrustAnchorsFile ? { tppTrustAnchorsFile: options.tppTrustAnchorsFile } : {}),
        }),
        workflowBundle: { code: bundle.code },
        ...(options.shutdownGraceTime !== undefined ? { shutdownGraceTime: options.shutdownGraceTime } : {}),
      });
      const done = worker.run();
      const handle = {
        worker,
        async stop() {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await done;
          running.delete(handle);
        },
      };
      running.add(handle);
      return handle;
    },
    async close() {
      for (const w of [...running]) await w.stop();
      await nativeConnection.close();
      await connection.close();
    },
  };
}
