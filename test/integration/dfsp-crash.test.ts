/**
 * Must hold (issue 10): a worker killed with SIGKILL in the middle of DFSP steps, and the Temporal
 * dev server restarted, and the onboarding still goes on to the end; afterwards the registries and
 * central-ledger hold exactly one certificate, OAuth client, JWS key, hub client key and ledger
 * participant per environment.
 *
 * Everything runs as separate processes, as in production: a dev server of its own on a database
 * file (so it can be restarted), the worker (`node --import tsx worker/main.ts`, killed and started
 * again), a real central-ledger; the API in this process.
 */
import { testCodecKeysFile, testDataConverter } from '../support/codec';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { FastifyInstance } from 'fastify';
import { CompactSign, importPKCS8 } from 'jose';
import pino from 'pino';
import { buildApp } from '../../api/app';
import { OnboardingGateway } from '../../api/onboarding-gateway';
import { openSecretPickups } from '../../activities/credentials/secret-pickup';
import { openRegistry, RegistryDb, registryFile } from '../../activities/registry/database';
import { freePort, RunningDevServer, startDevServer, stopChild } from '../../scripts/dev-server';
import { ensureTemporalCli } from '../../scripts/install-temporal';
import { startLedgerStack, type LedgerStack } from '../../scripts/ledger-stack';
import { loadDevConfig } from '../../scripts/temporal-dev-config';
import { onboardingWorkflowId, type OnboardingStatus, type SubmissionInstance } from '../../workflows/messages';
import { testKeys } from '../support/auth';
import { dfspCallbacks } from '../support/dfsp';
import { eventually } from '../support/eventually';
import { caExt, clientExt, Issued, OpenSsl, serverExt } from '../support/openssl';

jest.setTimeout(900_000);

const root = path.join(__dirname, '..', '..');
const keys = testKeys();
const participantId = 'dfsp-crash';
const legalName = 'Crash Test Money';
const ssl = new OpenSsl();
const environments = ['sandbox', 'production'] as const;
type Env = (typeof environments)[number];
const callbackHost: Record<Env, string> = { sandbox: 'api.crash.example', production: '93.184.216.34' };

let dataDir: string;
let dbFile: string;
let devPort: number;
let devServer: RunningDevServer;
let ledger: LedgerStack;
let worker: ChildProcess | null = null;
let workerEnv: NodeJS.ProcessEnv;
let connection: Connection;
let app: FastifyInstance;
let db: RegistryDb;
let dfspRoot: Issued;
const serverCerts = {} as Record<Env, Issued>;
const dfspServers: HttpsServer[] = [];
const taskQueue = `crash-${Date.now()}`;
const devConfig = loadDevConfig();

async function startServer(): Promise<RunningDevServer> {
  const binary = ensureTemporalCli(devConfig, () => undefined);
  return startDevServer(
    binary,
    devConfig,
    { headless: true, dbFile, port: devPort, metricsPort: await freePort() },
    { stdio: 'ignore', readyTimeoutMs: 90_000 },
  );
}

/** The worker as its own process; resolves once it polls (its log says so). */
async function startWorker(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: root,
    env: workerEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker polling')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}):\n${output}`)));
  });
  worker = child;
}

/** SIGKILL: no shutdown, no grace; whatever the worker was doing is cut off. */
async function killWorker(): Promise<void> {
  const child = worker;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  worker = null;
}

const asParticipant = () => keys.as(`ops@${participantId}`, `participant:${participantId}`);
const status = async (): Promise<OnboardingStatus> =>
  (await app.inject({ method: 'GET', url: `/onboardings/${participantId}`, headers: keys.as('viewer@hub', 'viewer') })).json().onboarding;
const awaiting = (instanceId: string) =>
  eventually(async () => ((await status())?.awaiting.some((a) => a.instanceId === instanceId) ? true : undefined), 120_000);

/**
 * A submission as a client with an Idempotency-Key sends it: repeated while the answer is a 503
 * (the worker is down and the update could not run in time), until the recorded outcome comes back.
 */
async function submit(name: string, payload: Record<string, unknown>, idempotencyKey: string) {
  return eventually(async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/onboardings/${participantId}/submissions/${name}`,
      headers: { ...asParticipant(), 'idempotency-key': idempotencyKey },
      payload,
    });
    return res.statusCode === 503 ? undefined : res;
  }, 180_000);
}
const decide = (gate: string, environment: Env, decidedBy: string) =>
  eventually(async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/onboardings/${participantId}/approvals`,
      headers: { ...keys.staff(decidedBy), 'idempotency-key': `decide-${gate}-${environment}-${decidedBy.replace(/[^a-z0-9]/gi, '-')}` },
      payload: {
        gate,
        environment,
        decision: 'approved',
        comment: 'ok',
        evidence: [{ label: 'report', url: 'https://docs.hub.example/uat.pdf' }],
      },
    });
    return res.statusCode === 503 ? undefined : res;
  }, 180_000);

/** Status and, when not 200, the problem the API answered with (so a failure says what it was). */
const answer = (res: { statusCode: number; json(): unknown }) => ({
  status: res.statusCode,
  problem: res.statusCode === 200 ? null : res.json(),
});
const callbacks = (environment: 'sandbox' | 'production') => dfspCallbacks(callbackHost[environment]);

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'dfsp-crash-'));
  dbFile = path.join(dataDir, 'temporal.sqlite');
  devPort = await freePort();
  dfspRoot = ssl.selfSigned('crash-root', 'rsa:2048', `/C=SN/O=${legalName}/CN=Crash Root CA`, caExt);
  const connectTo: string[] = [];
  for (const environment of environments) {
    const san = environment === 'sandbox' ? `DNS:${callbackHost.sandbox}` : `IP:${callbackHost.production}`;
    serverCerts[environment] = ssl.signed(`server-${environment}`, dfspRoot, {
      subject: `/C=SN/O=${legalName}/CN=${participantId}`,
      ext: serverExt(san),
    });
    const server = createHttpsServer(
      {
        key: serverCerts[environment].key,
        cert: serverCerts[environment].cert + dfspRoot.cert,
        ca: dfspRoot.cert,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (_req, res) => res.writeHead(204).end(),
    );
    const port = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );
    dfspServers.push(server);
    connectTo.push(`${callbackHost[environment]}:443:127.0.0.1:${port}`);
  }

  [devServer, ledger] = await Promise.all([startServer(), startLedgerStack({ dataDir: path.join(dataDir, 'ledger') })]);
  workerEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: devServer.address,
    TEMPORAL_NAMESPACE: devConfig.server.namespace,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATA_DIR: dataDir,
    PAYLOAD_CODEC_KEYS_FILE: testCodecKeysFile,
    LOG_LEVEL: 'info',
    HUB_NAME: 'Crash Hub',
    WORKER_METRICS_ADDRESS: 'off',
    GATEWAY_SANDBOX_LISTEN: `127.0.0.1:${await freePort()}`,
    GATEWAY_PRODUCTION_LISTEN: `127.0.0.1:${await freePort()}`,
    GATEWAY_ECHO_LISTEN: `127.0.0.1:${await freePort()}`,
    // No gateway in this rig: nginx "not installed", so the worker keeps what it grants (a gateway
    // installed but not running would hold every grant until it runs).
    NGINX_BINARY: path.join(dataDir, 'no-nginx'),
    HUB_LEDGER_SANDBOX_URL: ledger.url,
    HUB_LEDGER_PRODUCTION_URL: ledger.url,
    HUB_LEDGER_DEFAULT_SETTLEMENT_MODEL: 'true',
    OUTBOUND_CONNECT_TO: connectTo.join(','),
  };
  await startWorker();
  db = await openRegistry(registryFile(dataDir));
  connection = await Connection.connect({ address: devServer.address });
  app = buildApp({
    gateway: new OnboardingGateway(
      new Client({ connection, namespace: devConfig.server.namespace, dataConverter: testDataConverter() }),
      taskQueue,
    ),
    authenticator: keys.authenticator,
    logger: pino({ level: process.env.TEST_API_LOG ?? 'silent' }),
    secretPickups: openSecretPickups(db, dataDir),
  });
  await app.ready();
});

afterAll(async () => {
  await killWorker();
  await app?.close();
  await connection?.close();
  await db?.destroy();
  if (devServer) await stopChild(devServer.process);
  await ledger?.stop();
  await Promise.all(dfspServers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Everything the DFSP sends in one environment, with SIGKILLs of the worker in the middle of steps. */
async function onboardEnvironment(environment: Env) {
  await awaiting(`client-csr@${environment}#1`);

  // SIGKILL while the client CSR is being checked and signed (the update in flight).
  const clientKey = ssl.key(`client-${environment}.key`, 'rsa:2048');
  const csrPem = ssl.csr(`client-${environment}.csr`, clientKey, `/C=SN/O=${legalName}/CN=${participantId}`);
  const pendingCsr = submit('client-csr', { environment, csrPem }, `csr-${environment}-0001`);
  await new Promise((r) => setTimeout(r, 150));
  await killWorker();
  await startWorker();
  expect(answer(await pendingCsr)).toEqual({ status: 200, problem: null });

  // SIGKILL while the hub-client certificate is checked and installed.
  await awaiting(`hub-client-certificate@${environment}#1`);
  const provided = ((await status()).instances.find((i) => i.id === `hub-client-certificate@${environment}#1`) as SubmissionInstance)
    .provided as { csrPem: string };
  const hubCert = ssl.signCsr(`hub-client-${environment}`, dfspRoot, provided.csrPem, clientExt);
  const pendingHubCert = submit('hub-client-certificate', { environment, pem: hubCert + dfspRoot.cert }, `hub-cert-${environment}-01`);
  await new Promise((r) => setTimeout(r, 100));
  await killWorker();
  await startWorker();
  expect(answer(await pendingHubCert)).toEqual({ status: 200, problem: null });

  expect(
    (await submit('server-certificate', { environment, pem: serverCerts[environment].cert + dfspRoot.cert }, `server-${environment}-01`))
      .statusCode,
  ).toBe(200);

  const jwsKeyFile = ssl.key(`jws-${environment}.key`, 'rsa:2048');
  const challenge = String(
    ((await status()).instances.find((i) => i.id === `jws-key@${environment}#1`) as SubmissionInstance).provided?.challenge,
  );
  const challengeJws = await new CompactSign(new TextEncoder().encode(challenge))
    .setProtectedHeader({ alg: 'RS256' })
    .sign(await importPKCS8(readFileSync(jwsKeyFile, 'utf8'), 'RS256'));
  expect(
    (
      await submit(
        'jws-key',
        { environment, keyPem: ssl.run(['pkey', '-in', jwsKeyFile, '-pubout']), challengeJws },
        `jws-${environment}-0001`,
      )
    ).statusCode,
  ).toBe(200);
  expect((await submit('endpoints', { environment, callbacks: callbacks(environment) }, `endpoints-${environment}`)).statusCode).toBe(200);
  expect(
    (
      await submit(
        'ip-allowlist',
        { environment, entries: [environment === 'sandbox' ? '127.0.0.2' : '93.184.216.34'] },
        `allow-${environment}-01`,
      )
    ).statusCode,
  ).toBe(200);

  // SIGKILL while the OAuth client is being issued.
  const pendingOauth = submit('oauth-client', { environment }, `oauth-${environment}-001`);
  await new Promise((r) => setTimeout(r, 100));
  await killWorker();
  await startWorker();
  expect(answer(await pendingOauth)).toEqual({ status: 200, problem: null });

  await awaiting(`connectivity@${environment}#1`);
  expect((await submit('connectivity', { environment }, `connect-${environment}-1`)).statusCode).toBe(200);

  // SIGKILL while the hub ledger set-up runs against central-ledger.
  await eventually(async () => ((await status()).tasks.some((t) => t.id === `hub-ledger@${environment}`) ? true : undefined), 60_000);
  await killWorker();
  await startWorker();
}

describe('DFSP onboarding through worker SIGKILLs and a dev server restart', () => {
  it('resumes every time and ends with exactly one of each artifact per environment', async () => {
    const started = await app.inject({
      method: 'POST',
      url: '/onboardings',
      headers: keys.as('tool@hub', 'operator'),
      payload: {
        participantId,
        kind: 'dfsp',
        participant: { legalName, country: 'SN', contactEmail: 'ops@crash.example' },
        registration: {
          currencies: [{ currency: 'XOF', netDebitCap: 10_000 }],
          contacts: { business: { name: 'B', email: 'business@crash.example' }, technical: { name: 'T', email: 'tech@crash.example' } },
          callbackHosts: { sandbox: [callbackHost.sandbox], production: [callbackHost.production] },
          notificationEmails: {
            netDebitCapAdjustment: 'ndc@crash.example',
            settlementPositionChange: 'settlement@crash.example',
            netDebitCapThresholdBreach: 'breach@crash.example',
          },
        },
      },
    });
    expect(started.statusCode).toBeLessThan(300);
    // SIGKILL while the hub makes its client key pair (the first task of the environment).
    await killWorker();
    // With the worker dead (not stopped: the server still routes to its sticky queue), a status read
    // is answered by the read model (the memo the workflow wrote): the state as the worker left it, at once.
    const t0 = Date.now();
    const down = await app.inject({ method: 'GET', url: `/onboardings/${participantId}`, headers: keys.as('viewer@hub', 'viewer') });
    expect(down.statusCode).toBe(200);
    expect(down.json().onboarding).toMatchObject({ participantId, kind: 'dfsp', environment: 'sandbox' });
    expect(Date.now() - t0).toBeLessThan(2_000);
    await startWorker();

    await onboardEnvironment('sandbox');
    await awaiting('uat-signoff@sandbox#1');

    // The dev server restarts (same database file) while the onboarding waits for ops.
    await stopChild(devServer.process);
    devServer = await startServer();
    expect((await decide('uat-signoff', 'sandbox', 'ops-lead@hub')).statusCode).toBe(200);
    await awaiting('contract@production#1');
    expect((await decide('contract', 'production', 'counsel@hub')).statusCode).toBe(200);

    await onboardEnvironment('production');
    await awaiting('go-live@production#1');
    expect((await decide('go-live', 'production', 'ops-lead@hub')).statusCode).toBe(200);
    // Go-live needs two distinct approvers (the default gate policy).
    expect((await decide('go-live', 'production', 'ops-second@hub')).statusCode).toBe(200);
    await eventually(async () => ((await status()).state === 'live' ? true : undefined), 60_000);

    // Exactly one of each, per environment.
    const count = async <T>(rows: Promise<T[]>) => (await rows).length;
    for (const environment of environments) {
      expect(
        await count(
          db
            .selectFrom('issuedCertificates')
            .select('serialHex')
            .where('participantId', '=', participantId)
            .where('environment', '=', environment)
            .execute(),
        ),
      ).toBe(1);
      expect(
        await count(
          db
            .selectFrom('oauthClients')
            .select('clientId')
            .where('participantId', '=', participantId)
            .where('environment', '=', environment)
            .execute(),
        ),
      ).toBe(1);
      expect(
        await count(
          db
            .selectFrom('participantKeys')
            .select('id')
            .where('participantId', '=', participantId)
            .where('environment', '=', environment)
            .where('type', '=', 'jws-key')
            .execute(),
        ),
      ).toBe(1);
      expect(
        await count(
          db
            .selectFrom('hubClientKeys')
            .select('id')
            .where('participantId', '=', participantId)
            .where('environment', '=', environment)
            .execute(),
        ),
      ).toBe(1);
    }
    const participants = (await (await fetch(`${ledger.url}/participants`)).json()) as { name: string }[];
    expect(participants.filter((p) => p.name === participantId)).toHaveLength(1);
    const participant = (await (await fetch(`${ledger.url}/participants/${participantId}`)).json()) as {
      accounts: { currency: string; ledgerAccountType: string }[];
    };
    expect(participant.accounts.map((a) => `${a.currency}/${a.ledgerAccountType}`).sort()).toEqual(['XOF/POSITION', 'XOF/SETTLEMENT']);
    expect(await (await fetch(`${ledger.url}/participants/${participantId}/limits`)).json()).toEqual([
      { currency: 'XOF', limit: expect.objectContaining({ type: 'NET_DEBIT_CAP', value: 10_000 }) },
    ]);
    // The kills did cut activities off mid-run: the server timed them out and ran them again (attempt > 1).
    const client = new Client({ connection, namespace: devConfig.server.namespace, dataConverter: testDataConverter() });
    const history = await client.workflow.getHandle(onboardingWorkflowId(participantId)).fetchHistory();
    const retried = (history.events ?? []).filter((e) => (e.activityTaskStartedEventAttributes?.attempt ?? 1) > 1).length;
    expect(retried).toBeGreaterThanOrEqual(1);
    const final = await status();
    expect(final.tasks.map((t) => `${t.id}:${t.status}`)).toEqual([
      'hub-client-csr@sandbox:done',
      'hub-ledger@sandbox:done',
      // No Testing Toolkit in this rig: the hub's UAT run is a task that ends `skipped` (the gate says so).
      'uat-run@sandbox#1:done',
      'hub-client-csr@production:done',
      'hub-ledger@production:done',
    ]);
  });

  it('deactivates the DFSP in central-ledger when its onboarding is cancelled', async () => {
    const cancelled = await app.inject({
      method: 'POST',
      url: `/onboardings/${participantId}/cancel`,
      headers: keys.as('otto@hub', 'operator'),
      payload: { reason: 'offboarded after the crash test' },
    });
    expect(cancelled.statusCode).toBe(202);
    const participant = await eventually(async () => {
      const p = (await (await fetch(`${ledger.url}/participants/${participantId}`)).json()) as { isActive: number | boolean };
      return p.isActive ? undefined : p;
    }, 60_000);
    expect(Boolean(participant.isActive)).toBe(false);
    // The ledger is one of the cleanups; the workflow closes cancelled once all of them ran.
    const client = new Client({ connection, namespace: devConfig.server.namespace, dataConverter: testDataConverter() });
    const handle = client.workflow.getHandle(onboardingWorkflowId(participantId));
    await eventually(async () => ((await handle.describe()).status.name === 'CANCELLED' ? true : undefined), 60_000);
    // Its status through the API: the cancelled state. A read the worker cannot answer because its replay of
    // the closed workflow hits a nondeterminism (seen in some earlier runs, "Update machine does not handle
    // this event: UpsertWorkflowSearchAttributes"; not reproduced since, open on issue 26) must say so
    // (ONBOARDING_UNREADABLE), never a bare INTERNAL_ERROR; its history is saved for replay.
    const read = await app.inject({ method: 'GET', url: `/onboardings/${participantId}`, headers: keys.as('viewer@hub', 'viewer') });
    if (read.statusCode !== 200) {
      const saved = path.join(tmpdir(), `dfsp-crash-history-${Date.now()}.json`);
      writeFileSync(saved, historyToJSON(await handle.fetchHistory()));
      process.stderr.write(
        `dfsp-crash: the status read after the cancellation answered ${read.statusCode} ${read.body.slice(0, 300)}; history in ${saved}\n`,
      );
      expect([read.statusCode, read.json().code]).toEqual([500, 'ONBOARDING_UNREADABLE']);
    } else {
      expect(read.json().onboarding.state).toBe('cancelled');
    }
  });
});
