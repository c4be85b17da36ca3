/**
 * The interop rig (test/integration/mojaloop-interop.test.ts, bench/interop.ts): the hub's stack
 * with the edge (nginx → the verifying hop, and the egress), the authorization server, Mojaloop's
 * Testing Toolkit as the sandbox switch, Redis and a payee core backend; two DFSPs onboarded
 * through the API with openssl-made material, each running Mojaloop's sdk-scheme-adapter from its
 * connection pack (the `.env` as served, its four blanks filled in).
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { CompactSign, importPKCS8 } from 'jose';
import { openGateway } from '../../worker/onboarding-worker';
import { defaultGatePolicyConfig } from '../../api/gate-policy';
import { NetworkRegistry } from '../../activities/network/network-registry';
import { startTestingToolkit, testingToolkitInstalled, type RunningTestingToolkit } from '../../scripts/testing-toolkit';
import type { OnboardingStatus, SubmissionInstance } from '../../workflows/messages';
import { testKeys } from './auth';
import { dfspCallbacks } from './dfsp';
import { freePort } from './dev-server';
import { startEdgeProcess } from './edge';
import { eventually } from './eventually';
import { callGateway } from './gateway';
import { mojaloopJws, quietLogger, type MojaloopRequest } from './mojaloop-jws';
import { sdkInstalled, startCoreBackend, startRedis, startSdk, type RunningSdk, type SdkPorts } from './mojaloop-sdk';
import { startAuthServer, tokenRequest } from './oauth';
import { caExt, clientExt, OpenSsl, serverExt, type Issued } from './openssl';
import { startStepStack, stopProcess, type StepStack } from './step-probes';
import { kitRunner } from './kit';
export { privateKeyLines } from './kit';
import { fillBlanks } from '../../kit/pack';
import { nginxBinary } from './temporal-env';

export const keys = testKeys();
export const ssl = new OpenSsl();
const work = mkdtempSync(path.join(tmpdir(), 'interop-'));

export interface Dfsp {
  id: string;
  legalName: string;
  host: string;
  party: { idType: string; idValue: string; firstName: string; lastName: string };
  ports: SdkPorts;
  ca?: Issued;
  server?: Issued;
  clientKeyPem?: string;
  clientCertPem?: string;
  jwsKeyFile?: string;
  secret?: string;
  clientId?: string;
  sdk?: RunningSdk;
  packDir?: string;
  /** Onboarded through the participant kit: its folder and the API key an operator issued it. */
  kitDir?: string;
  apiKey?: string;
}

let rig: StepStack;
let app: FastifyInstance;
let ttk: RunningTestingToolkit;
export const ttkLog: string[] = [];
let egressUrl = '';
/** The API over real HTTP (the kit's way in). */
let apiUrl = '';
let nginx: ChildProcess;
let authServer: ChildProcess;
let edge: ChildProcess;
export const edgeLog: string[] = [];
let redis: ChildProcess;
let redisPort: number;
let backend: Awaited<ReturnType<typeof startCoreBackend>>;
export const dfsps: Record<'a' | 'b', Dfsp> = {
  a: {
    id: 'dfsp-amber',
    legalName: 'Alpha Mobile Money',
    host: 'api.alpha.example',
    party: { idType: 'MSISDN', idValue: '221770000001', firstName: 'Awa', lastName: 'Diop' },
    ports: { inbound: 0, outbound: 0, test: 0, metrics: 0 },
  },
  b: {
    id: 'dfsp-blue',
    legalName: 'Beta Bank',
    host: 'api.beta.example',
    party: { idType: 'MSISDN', idValue: '221770000002', firstName: 'Bintou', lastName: 'Sow' },
    ports: { inbound: 0, outbound: 0, test: 0, metrics: 0 },
  },
};

export const operator = () => keys.as('tool@hub', 'operator');
export const asDfsp = (d: Dfsp) => keys.as(`ops@${d.id}`, `participant:${d.id}`);
export const submit = (d: Dfsp, name: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: `/onboardings/${d.id}/submissions/${name}`, headers: asDfsp(d), payload });
export const status = async (d: Dfsp): Promise<OnboardingStatus> =>
  (await app.inject({ method: 'GET', url: `/onboardings/${d.id}`, headers: keys.as('viewer@hub', 'viewer') })).json().onboarding;
export const instance = async (d: Dfsp, id: string) =>
  eventually(async () => (await status(d))?.instances.find((i): i is SubmissionInstance => i.id === id && i.status === 'open'), 60_000);
export const awaiting = async (d: Dfsp, id: string) =>
  eventually(async () => ((await status(d))?.awaiting.some((a) => a.instanceId === id) ? true : undefined), 90_000);
export function expectOk(res: { statusCode: number; body: string }, what: string): void {
  if (res.statusCode >= 300) throw new Error(`${what}: ${res.statusCode} ${res.body.slice(0, 1500)}`);
}

/** The jws-key submission for the key in `keyFile`: its public key and the instance's challenge signed with it. */
export async function jwsKeyProof(d: Dfsp, instanceId: string, keyFile: string) {
  const challenge = String((await instance(d, instanceId)).provided?.challenge);
  const privatePem = readFileSync(keyFile, 'utf8');
  const challengeJws = await new CompactSign(new TextEncoder().encode(challenge))
    .setProtectedHeader({ alg: 'RS256' })
    .sign(await importPKCS8(privatePem, 'RS256'));
  return { environment: 'sandbox', keyPem: ssl.run(['pkey', '-in', keyFile, '-pubout']), challengeJws };
}

export async function submitJwsKey(d: Dfsp, proof: Awaited<ReturnType<typeof jwsKeyProof>>) {
  const res = await submit(d, 'jws-key', proof);
  expectOk(res, `${d.id} jws-key`);
  return res.json().submission.artifact as { kid: string; previousValidUntil?: string };
}

export async function proveJwsKey(d: Dfsp, instanceId: string, keyFile: string) {
  return submitJwsKey(d, await jwsKeyProof(d, instanceId, keyFile));
}

/** An operator starts the DFSP's onboarding (staff's part, as in every journey). */
/** The production callback host DFSPs register: a public address (the bench maps it to B's SDK). */
export const productionHost = '93.184.216.34';

export async function startOnboarding(d: Dfsp, productionHosts: string[] = [productionHost]) {
  const started = await app.inject({
    method: 'POST',
    url: '/onboardings',
    headers: operator(),
    payload: {
      participantId: d.id,
      kind: 'dfsp',
      participant: { legalName: d.legalName, country: 'SN', contactEmail: `ops@${d.host}` },
      registration: {
        currencies: [{ currency: 'XOF', netDebitCap: 50_000 }],
        contacts: {
          business: { name: 'Business', email: `business@${d.host}` },
          technical: { name: 'Tech', email: `tech@${d.host}` },
        },
        callbackHosts: { sandbox: [d.host], production: productionHosts },
        // The hub's UAT run pays this party: B's core backend holds B's, nobody holds A's (its run fails).
        uatParty: { idType: d.party.idType, idValue: d.party.idValue },
        notificationEmails: {
          netDebitCapAdjustment: `ndc@${d.host}`,
          settlementPositionChange: `settlement@${d.host}`,
          netDebitCapThresholdBreach: `breach@${d.host}`,
        },
      },
    },
  });
  expectOk(started, `${d.id} start`);
}

/** Everything a DFSP submits in sandbox, as its engineers would with openssl and curl: its own CA, server certificate, CSR, the hub's CSR signed, JWS key, endpoints, allowlist, OAuth client. */
export async function submitEverything(d: Dfsp) {
  await startOnboarding(d);
  await awaiting(d, 'client-csr@sandbox#1');
  d.ca = ssl.selfSigned(`${d.id}-root`, 'rsa:2048', `/C=SN/O=${d.legalName}/CN=${d.legalName} Root CA`, caExt);
  d.server = ssl.signed(`${d.id}-server`, d.ca, { subject: `/C=SN/O=${d.legalName}/CN=${d.host}`, ext: serverExt(`DNS:${d.host}`) });
  const clientKeyFile = ssl.key(`${d.id}-client.key`, 'rsa:2048');
  const client = await submit(d, 'client-csr', {
    environment: 'sandbox',
    csrPem: ssl.csr(`${d.id}-client.csr`, clientKeyFile, `/C=SN/O=${d.legalName}/CN=${d.id}`),
  });
  expectOk(client, `${d.id} client-csr`);
  d.clientKeyPem = readFileSync(clientKeyFile, 'utf8');
  d.clientCertPem = client.json().submission.artifact.certificatePem as string;
  expectOk(await submit(d, 'server-certificate', { environment: 'sandbox', pem: d.server.cert + d.ca.cert }), `${d.id} server-certificate`);
  const hubCsr = (await instance(d, 'hub-client-certificate@sandbox#1')).provided as { csrPem: string };
  const hubClientCert = ssl.signCsr(`${d.id}-hub-client`, d.ca, hubCsr.csrPem, clientExt);
  expectOk(
    await submit(d, 'hub-client-certificate', { environment: 'sandbox', pem: hubClientCert + d.ca.cert }),
    `${d.id} hub-client-certificate`,
  );
  d.jwsKeyFile = ssl.key(`${d.id}-jws.key`, 'rsa:2048');
  await proveJwsKey(d, 'jws-key@sandbox#1', d.jwsKeyFile);
  // Callbacks at the root of its SDK's inbound API, on its server certificate's host.
  expectOk(await submit(d, 'endpoints', { environment: 'sandbox', callbacks: dfspCallbacks(d.host, '') }), `${d.id} endpoints`);
  // The SDK connects from loopback's own address.
  expectOk(await submit(d, 'ip-allowlist', { environment: 'sandbox', entries: ['127.0.0.1'] }), `${d.id} ip-allowlist`);
  const oauth = await submit(d, 'oauth-client', { environment: 'sandbox' });
  expectOk(oauth, `${d.id} oauth-client`);
  d.clientId = oauth.json().submission.artifact.clientId as string;
  d.secret = oauth.json().secret.value as string;
}

const kits = kitRunner(work);
/** Every request the kits sent to the API: what left the participants' machines. */
export const kitRequests = kits.requests;
/** Every kit command run, per DFSP: the count the note compares with the manual journey. */
export const kitCommands = kits.commands;
export const kit = kits.run;
export const kitOk = kits.ok;

/**
 * B's engineers onboard with the participant kit: an operator starts the onboarding and issues
 * the participant's key (the invitation); the kit makes every key in its folder and answers each
 * sandbox submission the hub awaits, signing locally.
 */
export async function onboardWithKit(d: Dfsp): Promise<void> {
  await startOnboarding(d);
  const issued = await app.inject({
    method: 'POST',
    url: `/participants/${d.id}/api-keys`,
    headers: operator(),
    payload: { label: 'kit' },
  });
  expectOk(issued, `${d.id} api key`);
  d.apiKey = issued.json().secret.value as string;
  d.kitDir = path.join(work, `${d.id}-kit`);
  await awaiting(d, 'hub-client-certificate@sandbox#1');
  await kitOk(d, 'init', '--api', apiUrl, '--participant', d.id);
  for (const what of ['client-csr', 'server-certificate', 'hub-client-certificate', 'jws-key', 'endpoints', 'oauth-client']) {
    await kitOk(d, 'submit', what);
  }
  // The SDK connects from loopback's own address.
  await kitOk(d, 'submit', 'ip-allowlist', '--entries', '127.0.0.1');
  await kitOk(d, 'fetch', 'ca');
  const own = (file: string) => readFileSync(path.join(d.kitDir ?? '', file), 'utf8');
  d.clientKeyPem = own('private/sandbox/client.key');
  d.clientCertPem = own('public/sandbox/client.cert.pem');
  d.jwsKeyFile = path.join(d.kitDir, 'private/sandbox/jws.key');
  d.clientId = (JSON.parse(own('public/sandbox/oauth-client.json')) as { clientId: string }).clientId;
  d.secret = own('secrets/sandbox/oauth-client-secret').trim();
}

/** Downloads the pack, unpacks it with tar, fills in the DFSP's own blanks (a kit DFSP: `kit fetch pack`). */
export async function installPack(d: Dfsp): Promise<{ version: number; changes: { file: string; change: string; why: string }[] }> {
  if (d.kitDir) {
    const installed = JSON.parse(await kitOk(d, '--json', 'fetch', 'pack')) as {
      version: number;
      dir: string;
      changes: { file: string; change: string; why: string }[];
    };
    d.packDir = installed.dir;
    return { version: installed.version, changes: installed.changes };
  }
  const res = await app.inject({ method: 'GET', url: `/onboardings/${d.id}/connection-pack?environment=sandbox`, headers: asDfsp(d) });
  expectOk(res, `${d.id} connection pack`);
  if (res.headers['content-type'] !== 'application/gzip') throw new Error(`the pack came as ${String(res.headers['content-type'])}`);
  const version = Number(res.headers['x-connection-pack-version']);
  const into = path.join(work, `${d.id}-v${version}`);
  mkdirSync(into, { recursive: true });
  const archive = path.join(into, 'pack.tar.gz');
  writeFileSync(archive, res.rawPayload);
  execFileSync('tar', ['-xzf', archive, '-C', into]);
  d.packDir = path.join(into, `${d.id}-sandbox-v${version}`);
  const own = path.join(d.packDir, 'own');
  mkdirSync(own, { recursive: true });
  writeFileSync(path.join(own, 'client.key'), d.clientKeyPem ?? '');
  writeFileSync(path.join(own, 'server.key'), d.server?.key ?? '');
  writeFileSync(path.join(own, 'jws.key'), readFileSync(d.jwsKeyFile ?? '', 'utf8'));
  const envFile = path.join(d.packDir, '.env');
  writeFileSync(
    envFile,
    fillBlanks(readFileSync(envFile, 'utf8'), {
      OUT_CLIENT_KEY_PATH: './own/client.key',
      IN_SERVER_KEY_PATH: './own/server.key',
      JWS_SIGNING_KEY_PATH: './own/jws.key',
      OAUTH_CLIENT_SECRET: d.secret ?? '',
    }),
  );
  const described = JSON.parse(readFileSync(path.join(d.packDir, 'pack.json'), 'utf8')) as { version: number; changes: [] };
  return { version: described.version, changes: described.changes };
}

export async function runSdk(d: Dfsp, overrides?: Record<string, string>) {
  await d.sdk?.stop();
  d.sdk = await startSdk(d.packDir ?? '', {
    ports: d.ports,
    cacheUrl: `redis://127.0.0.1:${redisPort}/${d === dfsps.a ? 1 : 2}`,
    backend: `127.0.0.1:${backend.port}`,
    ...(overrides ? { overrides } : {}),
  });
}

/** The DFSP asks for the connectivity proof (its SDK's inbound server up); the hub-ledger step registers it with TTK; sandbox access opens. */
export async function connect(d: Dfsp): Promise<void> {
  await awaiting(d, 'connectivity@sandbox#1');
  expectOk(await submit(d, 'connectivity', { environment: 'sandbox' }), `${d.id} connectivity`);
  await awaiting(d, 'uat-signoff@sandbox#1');
}

/** A P2P transfer from A's SDK (its outbound API): parties → quotes → transfers, auto-accepted. */
export async function transfer(amount: string) {
  const res = await fetch(`http://127.0.0.1:${dfsps.a.ports.outbound}/transfers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      homeTransactionId: randomUUID(),
      from: { idType: dfsps.a.party.idType, idValue: dfsps.a.party.idValue },
      to: { idType: dfsps.b.party.idType, idValue: dfsps.b.party.idValue, fspId: dfsps.b.id },
      amountType: 'SEND',
      currency: 'XOF',
      amount,
      transactionType: 'TRANSFER',
      note: 'interop test',
    }),
    signal: AbortSignal.timeout(90_000),
  });
  const body = (await res.json()) as { currentState?: string; fulfil?: { body?: { transferState?: string } }; lastError?: unknown };
  return { status: res.status, body };
}

/** A's token from the authorization server (client credentials, as its SDK asks). */
export async function tokenOf(d: Dfsp): Promise<{ access_token: string }> {
  return JSON.parse((await tokenRequest(rig.stack.oauth, rig.ca.chainPem(), d.clientId ?? '', d.secret ?? '', 'fspiop')).body) as {
    access_token: string;
  };
}

/** A PUT /parties callback from A straight through the gateway (as its SDK sends one), signed with Mojaloop's JwsSigner and `keyFile`. */
export function sendAsA(port: number, partyId: string, opts: { token?: string; tamper?: boolean; keyFile?: string }) {
  const a = dfsps.a;
  const request: MojaloopRequest = {
    method: 'PUT',
    url: `https://hub.example/parties/MSISDN/${partyId}`,
    headers: {
      'fspiop-source': a.id,
      'fspiop-destination': dfsps.b.id,
      date: new Date().toUTCString(),
      'content-type': 'application/vnd.interoperability.parties+json;version=1.0',
    },
    body: { party: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: partyId, fspId: a.id } } },
  };
  new mojaloopJws.signer({ signingKey: readFileSync(opts.keyFile ?? a.jwsKeyFile ?? '', 'utf8'), logger: quietLogger }).sign(request);
  const body = String(request.body);
  return callGateway({
    port,
    from: '127.0.0.1',
    ca: rig.ca.chainPem(),
    cert: a.clientCertPem ?? '',
    key: a.clientKeyPem ?? '',
    method: 'PUT',
    path: `/parties/MSISDN/${partyId}`,
    headers: { ...request.headers, ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    body: opts.tamper ? body.replace(partyId, `${partyId}9`) : body,
  }) as Promise<{ status: number; body: string }>;
}

export const ttkSaw = (marker: string) => ttkLog.join('').includes(marker);

/** Starts everything the interop needs (not the DFSPs' onboardings). */
/** `productionReachable`: B's production callback host reaches its SDK, and loopback allowlists are allowed in production (the time-to-connected bench takes B live). */
export async function startInteropRig(options: { productionReachable?: boolean } = {}): Promise<void> {
  if (!testingToolkitInstalled() || !sdkInstalled()) throw new Error('the Mojaloop peers are not installed: npm run peers:install');
  for (const d of Object.values(dfsps))
    d.ports = { inbound: await freePort(), outbound: await freePort(), test: await freePort(), metrics: await freePort() };
  const ttkAdmin = `127.0.0.1:${await freePort()}`;
  const ttkFspiop = `127.0.0.1:${await freePort()}`;
  const verifierListen = `127.0.0.1:${await freePort()}`;
  const egressListen = `127.0.0.1:${await freePort()}`;
  egressUrl = `http://${egressListen}`;
  ttk = await startTestingToolkit({
    dir: path.join(work, 'ttk'),
    adminListen: ttkAdmin,
    fspiopListen: ttkFspiop,
    output: new Writable({
      write(chunk: Buffer, _enc, done) {
        ttkLog.push(chunk.toString('utf8'));
        done();
      },
    }),
  });
  // Each DFSP's callback host is its SDK's inbound port on loopback (the egress's connect-to, as an operator sets it for a VPN).
  const connectTo: Record<string, { host: string; port: number }> = Object.fromEntries(
    Object.values(dfsps).map((d) => [`${d.host}:443`, { host: '127.0.0.1', port: d.ports.inbound }]),
  );
  // B's production callback host, a public address (production endpoints must be public), reached on its SDK's inbound port.
  if (options.productionReachable) connectTo[`${productionHost}:443`] = { host: '127.0.0.1', port: dfsps.b.ports.inbound };
  rig = await startStepStack('interop', keys, {
    workflowsPath: require.resolve('../../workflows'),
    outbound: { timeoutMs: 5000, connectTo },
    ledger: {
      url: { sandbox: null, production: null },
      timeoutMs: 10_000,
      defaultSettlementModel: false,
      sandboxTtk: { adminUrl: ttk.adminUrl, egressUrl: `http://${egressListen}` },
    },
    gateway: { verifier: verifierListen, binary: nginxBinary },
    // A restarted worker leaves its running activity at once (the UAT run's worker-stop test), as a killed one would.
    workerShutdownGraceTime: 1,
    ...(options.productionReachable ? { allowlist: { productionAllowsNonPublic: true } } : {}),
    // Reminders come quickly (a failed UAT run is named in its gate's reminder); nothing escalates or expires.
    gatePolicy: { ...defaultGatePolicyConfig, timers: { remindEveryMs: 10_000, escalateAfterMs: null, expireAfterMs: null } },
  });
  app = rig.app;
  await app.listen({ host: '127.0.0.1', port: 0 });
  apiUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  authServer = await startAuthServer(rig.stack.dataDir, rig.stack.oauth);
  edge = await startEdgeProcess(
    rig.stack,
    {
      EDGE_VERIFIER_LISTEN: verifierListen,
      EDGE_EGRESS_LISTEN: egressListen,
      // What the edge admits goes to TTK in either environment: a refusal below is the edge's, not a missing upstream.
      GATEWAY_SANDBOX_UPSTREAM: ttk.fspiopUrl,
      GATEWAY_PRODUCTION_UPSTREAM: ttk.fspiopUrl,
      OUTBOUND_CONNECT_TO: Object.entries(connectTo)
        .map(([from, to]) => `${from}:${to.host}:${to.port}`)
        .join(','),
    },
    edgeLog,
    'edge egress listening',
  );
  const gateway = await openGateway({ dataDir: rig.stack.dataDir, gateway: rig.stack.gateway }, rig.ca);
  await gateway.prepare(await new NetworkRegistry(rig.db).desiredState(new Date()), 'start');
  nginx = gateway.start();
  await eventually(async () => ((await gateway.serving()) !== null ? true : undefined));
  redisPort = await freePort();
  redis = await startRedis(redisPort);
  backend = await startCoreBackend(dfsps.b.party);
}

/** Stops what startInteropRig started, and the SDKs. */
export async function stopInteropRig(): Promise<void> {
  for (const d of Object.values(dfsps)) await d.sdk?.stop();
  await stopProcess(nginx, 'SIGQUIT');
  await stopProcess(edge, 'SIGTERM');
  await stopProcess(authServer, 'SIGTERM');
  await stopProcess(redis, 'SIGTERM');
  await backend?.close();
  await ttk?.stop();
  await rig?.close();
}

/** The running parts, for the test's and the bench's own checks. */
export const interop = {
  get app(): FastifyInstance {
    return app;
  },
  get rig(): StepStack {
    return rig;
  },
  get ttk(): RunningTestingToolkit {
    return ttk;
  },
  get backend(): Awaited<ReturnType<typeof startCoreBackend>> {
    return backend;
  },
  /** The API's HTTP address (what the kit talks to). */
  get apiUrl(): string {
    return apiUrl;
  },
  /** The edge's egress (`http://host:port`): the switch's way to the DFSPs. */
  get egressUrl(): string {
    return egressUrl;
  },
};
