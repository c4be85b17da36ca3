/**
 * A complete DFSP onboarding (seed 004) through the API, against the real dev server, a real nginx
 * gateway, the real authorization server and a real Mojaloop central-ledger (MariaDB + KRaft
 * Kafka, `npm run ledger:install`): openssl-made keys, CSRs and certificates; sandbox, UAT,
 * contract, production, go-live. It ends with artifacts that work: the hub-signed client
 * certificate passes `openssl verify` and the gateway's mTLS + allowlist, the OAuth client gets a
 * token, the JWS key is in the directory and validates a request signed by Mojaloop's own signer,
 * and central-ledger shows the participant with its accounts, endpoints, Net Debit Cap and position.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { CompactSign, importPKCS8 } from 'jose';
import type { LocalHubCa } from '../../activities/pki/local-hub-ca';
import { defaultGatePolicyConfig } from '../../api/gate-policy';
import { toPem } from '../../activities/pki/pem';
import type { RegistryDb } from '../../activities/registry/database';
import { NetworkRegistry } from '../../activities/network/network-registry';
import { startLedgerStack, type LedgerStack } from '../../scripts/ledger-stack';
import { OnboardingStatus, SubmissionInstance } from '../../workflows/messages';
import { openGateway } from '../../worker/onboarding-worker';
import { testKeys } from '../support/auth';
import { dfspCallbacks } from '../support/dfsp';
import { eventually } from '../support/eventually';
import { readModelAndQuery } from '../support/read-model';
import { recordHistory } from '../support/histories';
import { callGateway } from '../support/gateway';
import { startAuthServer, tokenRequest } from '../support/oauth';
import { caExt, clientExt, Issued, OpenSsl, serverExt } from '../support/openssl';
import { startStepStack, StepStack, stopProcess } from '../support/step-probes';
import { nginxBinary, type TestStack } from '../support/temporal-env';
import { mojaloopJws, quietLogger, type MojaloopRequest } from '../support/mojaloop-jws';

jest.setTimeout(600_000);

const keys = testKeys();
const participantId = 'dfsp-alpha';
const legalName = 'Alpha Mobile Money';

let ledger: LedgerStack;
let rig: StepStack;
let stack: TestStack;
let app: FastifyInstance;
let db: RegistryDb;
let ca: LocalHubCa;
let nginx: ChildProcess;
let authServer: ChildProcess;
const ssl = new OpenSsl();
let dfspRoot: Issued;
/** The DFSP's server certificate per environment (issued by its CA, naming its callback host). */
const serverCerts = {} as Record<'sandbox' | 'production', Issued>;
/** The DFSP's callback servers: real mTLS servers on loopback, reached through OUTBOUND_CONNECT_TO. */
const dfspServers = {} as Record<'sandbox' | 'production', { server: HttpsServer; port: number; clients: string[] }>;

const asParticipant = () => keys.as(`ops@${participantId}`, `participant:${participantId}`);
const submit = (name: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: `/onboardings/${participantId}/submissions/${name}`, headers: asParticipant(), payload });
const decide = (gate: string, decidedBy: string, environment: string, extra: Record<string, unknown> = {}) =>
  app.inject({
    method: 'POST',
    url: `/onboardings/${participantId}/approvals`,
    headers: keys.staff(decidedBy),
    payload: { gate, environment, decision: 'approved', comment: 'ok', ...extra },
  });
const status = async (): Promise<OnboardingStatus> =>
  (await app.inject({ method: 'GET', url: `/onboardings/${participantId}`, headers: keys.as('viewer@hub', 'viewer') })).json().onboarding;
const awaiting = async (instanceId: string) =>
  eventually(async () => ((await status())?.awaiting.some((a) => a.instanceId === instanceId) ? true : undefined));
const ledgerGet = async (route: string) => (await fetch(`${ledger.url}${route}`)).json();

const registration = {
  currencies: [{ currency: 'XOF', netDebitCap: 50_000 }],
  contacts: {
    business: { name: 'Awa Diop', email: 'business@alpha.example' },
    technical: { name: 'Moussa Fall', email: 'tech@alpha.example' },
  },
  callbackHosts: { sandbox: ['api.alpha.example'], production: ['93.184.216.34'] },
  notificationEmails: {
    netDebitCapAdjustment: 'ndc@alpha.example',
    settlementPositionChange: 'settlement@alpha.example',
    netDebitCapThresholdBreach: 'breach@alpha.example',
  },
};

/** Callback host per environment: a name in sandbox (not resolved), a public address in production (no DNS needed). */
const callbackHost = { sandbox: 'api.alpha.example', production: '93.184.216.34' } as const;
const callbacks = (environment: 'sandbox' | 'production') => dfspCallbacks(callbackHost[environment]);

/**
 * A DFSP callback server: TLS with its server certificate, client certificates required. It starts
 * trusting only `clientCa`; records the serial of each client certificate it accepted.
 */
async function startDfspServer(environment: 'sandbox' | 'production', clientCa: string) {
  const cert = serverCerts[environment];
  const clients: string[] = [];
  const server = createHttpsServer(
    { key: cert.key, cert: cert.cert + dfspRoot.cert, ca: clientCa, requestCert: true, rejectUnauthorized: true },
    (req, res) => {
      clients.push((req.socket as TLSSocket).getPeerCertificate().serialNumber.toLowerCase());
      res.writeHead(404).end();
    },
  );
  const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  dfspServers[environment] = { server, port, clients };
}

beforeAll(async () => {
  dfspRoot = ssl.selfSigned('alpha-root', 'rsa:2048', `/C=SN/O=${legalName}/CN=Alpha Root CA`, caExt);
  for (const environment of ['sandbox', 'production'] as const) {
    const san = environment === 'sandbox' ? `DNS:${callbackHost.sandbox}` : `IP:${callbackHost.production}`;
    serverCerts[environment] = ssl.signed(`server-${environment}`, dfspRoot, {
      subject: `/C=SN/O=${legalName}/CN=${participantId}`,
      ext: serverExt(san),
    });
  }
  // At first the DFSP's servers trust only a CA of their own making, not the one that will sign the hub's certificate.
  const wrongCa = ssl.selfSigned('alpha-old-root', 'rsa:2048', `/C=SN/O=${legalName}/CN=Alpha Old Root`, caExt).cert;
  await startDfspServer('sandbox', wrongCa);
  await startDfspServer('production', dfspRoot.cert);
  const connectTo = {
    [`${callbackHost.sandbox}:443`]: { host: '127.0.0.1', port: dfspServers.sandbox.port },
    [`${callbackHost.production}:443`]: { host: '127.0.0.1', port: dfspServers.production.port },
  };
  ledger = await startLedgerStack({ dataDir: mkdtempSync(path.join(tmpdir(), 'ledger-')) });
  const ledgerConfig = { url: { sandbox: ledger.url, production: ledger.url }, timeoutMs: 10_000, defaultSettlementModel: true };
  // Renewals open 100 days before a certificate ends: the hub CA's 90-day sandbox client certificate is renewed as soon as the DFSP is live.
  const gatePolicy = { ...defaultGatePolicyConfig, renewalLeadMs: 100 * 86_400_000 };
  rig = await startStepStack('dfsp', keys, {
    gateway: { binary: nginxBinary },
    workflowsPath: require.resolve('../../workflows'),
    ledger: ledgerConfig,
    outbound: { timeoutMs: 5000, connectTo },
    gatePolicy,
  });
  ({ stack, app, db, ca } = rig);
  const gateway = await openGateway({ dataDir: stack.dataDir, gateway: stack.gateway }, ca);
  await gateway.prepare(await new NetworkRegistry(db).desiredState(new Date()), 'start');
  nginx = gateway.start();
  await eventually(async () => ((await gateway.serving()) !== null ? true : undefined));
  authServer = await startAuthServer(stack.dataDir, stack.oauth);
});

afterAll(async () => {
  await stopProcess(nginx, 'SIGQUIT');
  await stopProcess(authServer, 'SIGTERM');
  await rig?.close();
  await ledger?.stop();
  await Promise.all(Object.values(dfspServers).map(({ server }) => new Promise((resolve) => server.close(resolve))));
});

/** Everything the DFSP sends in one environment; returns what the client certificate and OAuth client are. */
async function submitEverything(environment: 'sandbox' | 'production') {
  // TLS, DFSP → hub: a CSR with a 1024-bit key is refused with findings, then a good one is signed.
  const weakKey = ssl.key(`weak-${environment}.key`, 'rsa:1024');
  const refused = await submit('client-csr', {
    environment,
    csrPem: ssl.csr(`weak-${environment}.csr`, weakKey, `/C=SN/O=${legalName}/CN=${participantId}`),
  });
  expect(refused.statusCode).toBe(422);
  expect(
    refused
      .json()
      .context.report.findings.filter((f: { result: string }) => f.result === 'fail')
      .map((f: { code: string }) => f.code),
  ).toContain('KEY_SIZE_MIN');
  const clientKeyFile = ssl.key(`client-${environment}.key`, 'rsa:2048');
  const signed = await submit('client-csr', {
    environment,
    csrPem: ssl.csr(`client-${environment}.csr`, clientKeyFile, `/C=SN/O=${legalName}/CN=${participantId}`),
  });
  expect(signed.statusCode).toBe(200);
  const certificate = signed.json().submission.artifact as { certificatePem: string; chainPem: string; serialHex: string };
  // The certificate the hub CA issued verifies with openssl against the chain the DFSP was given.
  const untrusted = ssl.write(`hub-chain-${environment}.pem`, certificate.chainPem);
  const rootFile = ssl.write('hub-root.pem', toPem('CERTIFICATE', ca.root.der));
  expect(ssl.verify(rootFile, untrusted, ssl.write(`client-${environment}.pem`, certificate.certificatePem))).toMatchObject({ ok: true });

  // The DFSP's server certificate, issued by its own CA, naming its callback host.
  const server = serverCerts[environment];
  const serverAccepted = await submit('server-certificate', { environment, pem: server.cert + dfspRoot.cert });
  expect({
    status: serverAccepted.statusCode,
    fails:
      serverAccepted.statusCode === 200
        ? []
        : serverAccepted
            .json()
            .context.report.findings.filter((f: { result: string }) => f.result !== 'pass' && f.result !== 'not-applicable'),
  }).toEqual({ status: 200, fails: [] });

  // TLS, hub → DFSP: the hub's CSR comes back signed by the DFSP's CA. A certificate for another
  // key is refused with the finding that says so; the one for the hub's CSR is installed.
  // The hub makes its key pair first (a task): its submission opens once that is done.
  await awaiting(`hub-client-certificate@${environment}#1`);
  const hubCsr = ((await status()).instances.find((i) => i.id === `hub-client-certificate@${environment}#1`) as SubmissionInstance)
    .provided as { csrPem: string; spkiSha256: string; hubServerCertificate: string };
  expect(hubCsr.csrPem).toMatch(/BEGIN CERTIFICATE REQUEST/);
  const stray = ssl.signed(`stray-${environment}`, dfspRoot, { subject: '/CN=not the hub', ext: clientExt });
  const wrongKey = await submit('hub-client-certificate', { environment, pem: stray.cert + dfspRoot.cert });
  expect(wrongKey.statusCode).toBe(422);
  expect(
    wrongKey
      .json()
      .context.report.findings.filter((f: { result: string }) => f.result === 'fail')
      .map((f: { code: string }) => f.code),
  ).toEqual(['CSR_CERT_SAME_PUBLIC_KEY']);
  const hubClientCert = ssl.signCsr(`hub-client-${environment}`, dfspRoot, hubCsr.csrPem, clientExt);
  const installed = await submit('hub-client-certificate', { environment, pem: hubClientCert + dfspRoot.cert });
  expect(installed.statusCode).toBe(200);
  const hubClientArtifact = installed.json().submission.artifact as { serialHex: string; spkiSha256: string };
  expect(hubClientArtifact.spkiSha256).toBe(hubCsr.spkiSha256);
  // The hub's own server certificate, downloadable, verifies against the hub CA.
  const hubServer = await app.inject({ method: 'GET', url: hubCsr.hubServerCertificate, headers: asParticipant() });
  expect(hubServer.statusCode).toBe(200);
  const hubServerFile = ssl.write(`hub-server-${environment}.pem`, hubServer.body);
  expect(ssl.verify(ssl.write('hub-root.pem', toPem('CERTIFICATE', ca.root.der)), hubServerFile, hubServerFile)).toMatchObject({
    ok: true,
  });

  // JWS: a signature over anything but the challenge is refused; over the challenge it is accepted.
  const jwsKeyFile = ssl.key(`jws-${environment}.key`, 'rsa:2048');
  const jwsPrivatePem = readFileSync(jwsKeyFile, 'utf8');
  const jwsPublicPem = ssl.run(['pkey', '-in', jwsKeyFile, '-pubout']);
  const instance = (await status()).instances.find((i) => i.id === `jws-key@${environment}#1`) as SubmissionInstance;
  const challenge = String(instance.provided?.challenge);
  const sign = async (text: string) =>
    new CompactSign(new TextEncoder().encode(text)).setProtectedHeader({ alg: 'RS256' }).sign(await importPKCS8(jwsPrivatePem, 'RS256'));
  const wrongProof = await submit('jws-key', { environment, keyPem: jwsPublicPem, challengeJws: await sign('not the challenge') });
  expect(wrongProof.statusCode).toBe(422);
  expect(wrongProof.json().context.report.findings.find((f: { code: string }) => f.code === 'JWS_POSSESSION_PROVEN').result).toBe('fail');
  const jwsAccepted = await submit('jws-key', { environment, keyPem: jwsPublicPem, challengeJws: await sign(challenge) });
  expect(jwsAccepted.statusCode).toBe(200);

  // Callbacks, covered by the server certificate.
  const endpoints = await submit('endpoints', { environment, callbacks: callbacks(environment) });
  expect(endpoints.statusCode).toBe(200);

  const allowlist = await submit('ip-allowlist', { environment, entries: environment === 'sandbox' ? ['127.0.0.2'] : ['127.0.0.3'] });
  // Production refuses loopback: the policy for production allowlists is public addresses only.
  if (environment === 'production') {
    expect(allowlist.statusCode).toBe(422);
  } else {
    expect(allowlist.statusCode).toBe(200);
  }
  const oauth = await submit('oauth-client', { environment });
  expect(oauth.statusCode).toBe(200);
  return {
    hubClientSerial: hubClientArtifact.serialHex.toLowerCase(),
    clientCert: certificate.certificatePem,
    clientKey: readFileSync(clientKeyFile, 'utf8'),
    jwsPrivatePem,
    kid: jwsAccepted.json().submission.artifact.kid as string,
    clientId: oauth.json().submission.artifact.clientId as string,
    secret: oauth.json().secret.value as string,
  };
}

/** The DFSP asks for the connectivity proof; the hub reaches its callback server with the hub client certificate. */
async function proveConnectivity(environment: 'sandbox' | 'production', hubClientSerial: string) {
  await awaiting(`connectivity@${environment}#1`);
  const proof = await submit('connectivity', { environment });
  expect({ status: proof.statusCode, body: proof.statusCode === 200 ? null : proof.json().context?.report?.findings }).toMatchObject({
    status: 200,
  });
  expect(proof.json().submission.artifact.targets).toEqual([
    expect.objectContaining({ origin: `https://${callbackHost[environment]}`, httpStatus: 404, protocol: 'TLSv1.3' }),
  ]);
  // The DFSP's server saw exactly the certificate its CA issued for the hub.
  expect(dfspServers[environment].clients.at(-1)).toBe(hubClientSerial);
}

describe('DFSP onboarding end to end (seed 004)', () => {
  it('refuses a DFSP id central-ledger could not take', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/onboardings',
      headers: keys.as('tool@hub', 'operator'),
      payload: {
        participantId: 'a',
        kind: 'dfsp',
        participant: { legalName, country: 'SN', contactEmail: 'ops@alpha.example' },
        registration,
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('VALIDATION_FAILED');
  });

  it('refuses a UAT test party that is not an FSPIOP party', async () => {
    for (const uatParty of [
      { idType: 'PHONE', idValue: '221770000001' },
      { idType: 'MSISDN', idValue: '22 177/0000' },
      { idType: 'MSISDN' },
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/onboardings',
        headers: keys.as('tool@hub', 'operator'),
        payload: {
          participantId: 'dfsp-party-check',
          kind: 'dfsp',
          participant: { legalName, country: 'SN', contactEmail: 'ops@alpha.example' },
          registration: { ...registration, uatParty },
        },
      });
      expect({ uatParty, status: res.statusCode, code: res.json().code }).toEqual({ uatParty, status: 400, code: 'VALIDATION_FAILED' });
      expect(JSON.stringify(res.json())).toContain('uatParty');
    }
  });

  it('takes a DFSP from registration to live, with artifacts that work', async () => {
    const started = await app.inject({
      method: 'POST',
      url: '/onboardings',
      headers: keys.as('tool@hub', 'operator'),
      payload: { participantId, kind: 'dfsp', participant: { legalName, country: 'SN', contactEmail: 'ops@alpha.example' }, registration },
    });
    expect({ status: started.statusCode, body: started.statusCode >= 300 ? started.body : '' }).toMatchObject({
      status: expect.any(Number),
      body: '',
    });
    await awaiting('client-csr@sandbox#1');

    const sandbox = await submitEverything('sandbox');

    // Connectivity: the DFSP's server does not trust its own CA yet, so it hangs up on the hub; the
    // refusal names the cause. Fixed (it now trusts the CA that signed the hub's certificate), the proof passes.
    await awaiting('connectivity@sandbox#1');
    const refusedProof = await submit('connectivity', { environment: 'sandbox' });
    expect(refusedProof.statusCode).toBe(422);
    expect(refusedProof.json().context.report.targets).toEqual([expect.objectContaining({ ok: false, cause: 'closed-after-handshake' })]);
    dfspServers.sandbox.server.setSecureContext({
      key: serverCerts.sandbox.key,
      cert: serverCerts.sandbox.cert + dfspRoot.cert,
      ca: dfspRoot.cert,
    });
    await proveConnectivity('sandbox', sandbox.hubClientSerial);

    // The gateway: mTLS with the hub-signed certificate, from the allowlisted address only.
    const port = Number(stack.gateway.listen.sandbox.split(':')[1]);
    await eventually(
      async () =>
        (
          (await callGateway({ port, from: '127.0.0.2', ca: ca.chainPem(), cert: sandbox.clientCert, key: sandbox.clientKey })) as {
            status?: number;
          }
        ).status === 200 || undefined,
    );
    expect(
      await callGateway({ port, from: '127.0.0.4', ca: ca.chainPem(), cert: sandbox.clientCert, key: sandbox.clientKey }),
    ).toMatchObject({ status: 403 });

    // The OAuth client gets a token.
    const token = await tokenRequest(stack.oauth, ca.chainPem(), sandbox.clientId, sandbox.secret, 'fspiop');
    expect(token.status).toBe(200);
    expect(JSON.parse(token.body)).toMatchObject({ token_type: 'Bearer' });

    // The JWS key is in the directory and validates a request signed by Mojaloop's own signer.
    const directory = (await app.inject({ method: 'GET', url: '/jws-keys?environment=sandbox', headers: asParticipant() })).json().keys as {
      participantId: string;
      kid: string;
      publicKeyPem: string;
    }[];
    const entry = directory.find((k) => k.participantId === participantId);
    expect(entry?.kid).toBe(sandbox.kid);
    expect(directory.some((k) => k.participantId === '@hub')).toBe(true);
    const request: MojaloopRequest = {
      method: 'PUT',
      url: 'https://hub.example/parties/MSISDN/221770000001',
      headers: {
        'fspiop-source': participantId,
        'fspiop-destination': 'payerfsp',
        date: new Date().toUTCString(),
        'content-type': 'application/vnd.interoperability.parties+json;version=1.1',
      },
      body: { party: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '221770000001', fspId: participantId } } },
    };
    new mojaloopJws.signer({ signingKey: sandbox.jwsPrivatePem, logger: quietLogger }).sign(request);
    const validator = new mojaloopJws.validator({ validationKeys: { [participantId]: entry?.publicKeyPem ?? '' }, logger: quietLogger });
    expect(validator.validate({ headers: request.headers, body: JSON.parse(String(request.body)) })).toBe(true);
    const tampered = { ...(JSON.parse(String(request.body)) as Record<string, unknown>), extra: 1 };
    expect(() => validator.validate({ headers: request.headers, body: tampered })).toThrow();

    // The hub ledger task ran against central-ledger; ops sign UAT off.
    await awaiting('uat-signoff@sandbox#1');
    const afterSandbox = await status();
    expect(afterSandbox.tasks).toEqual([
      expect.objectContaining({ id: 'hub-client-csr@sandbox', status: 'done' }),
      expect.objectContaining({ id: 'hub-ledger@sandbox', status: 'done', result: expect.objectContaining({ mode: 'applied' }) }),
      // This hub has no UAT runner (no TTK): the round's run is recorded as skipped, and the gate says why.
      expect.objectContaining({
        id: 'uat-run@sandbox#1',
        round: 1,
        status: 'done',
        result: expect.objectContaining({ outcome: 'skipped' }),
      }),
    ]);
    expect(afterSandbox.instances.find((i) => i.id === 'uat-signoff@sandbox#1')).toMatchObject({
      run: { task: 'uat-run@sandbox#1', outcome: 'skipped', summary: expect.stringMatching(/^not run: the hub has no UAT runner/) },
    });
    const participant = (await ledgerGet(`/participants/${participantId}`)) as {
      name: string;
      accounts: { currency: string; ledgerAccountType: string }[];
    };
    expect(participant.accounts.map((a) => `${a.currency}/${a.ledgerAccountType}`).sort()).toEqual(['XOF/POSITION', 'XOF/SETTLEMENT']);
    const ledgerEndpoints = (await ledgerGet(`/participants/${participantId}/endpoints`)) as { type: string; value: string }[];
    expect(ledgerEndpoints).toEqual(
      expect.arrayContaining([
        { type: 'FSPIOP_CALLBACK_URL_TRANSFER_POST', value: callbacks('sandbox').FSPIOP_CALLBACK_URL_TRANSFER_POST },
        { type: 'NET_DEBIT_CAP_THRESHOLD_BREACH_EMAIL', value: 'breach@alpha.example' },
      ]),
    );
    expect(await ledgerGet(`/participants/${participantId}/limits`)).toEqual([
      { currency: 'XOF', limit: expect.objectContaining({ type: 'NET_DEBIT_CAP', value: 50_000 }) },
    ]);
    expect(await ledgerGet(`/participants/${participantId}/positions`)).toEqual([expect.objectContaining({ currency: 'XOF', value: 0 })]);

    // UAT round 1 is rejected: the DFSP fixes, asks for a retest (connectivity proved again), and UAT reopens as round 2.
    const rejected = await decide('uat-signoff', 'ops-lead@hub', 'sandbox', {
      decision: 'rejected',
      comment: 'transfers callback answered 500 in case T-12',
    });
    expect(rejected.statusCode).toBe(200);
    await awaiting('uat-retest@sandbox#1');
    expect((await status()).state).toBe('awaiting-participant');
    const emptyRetest = await submit('uat-retest', { environment: 'sandbox', summary: '' });
    expect(emptyRetest.statusCode).toBe(400);
    const retest = await submit('uat-retest', { environment: 'sandbox', summary: 'fixed the transfers callback handler' });
    expect(retest.statusCode).toBe(200);
    expect(retest.json().submission.artifact).toMatchObject({
      summary: 'fixed the transfers callback handler',
      targets: [expect.objectContaining({ origin: `https://${callbackHost.sandbox}` })],
    });
    await awaiting('uat-signoff@sandbox#2');

    // UAT is signed off on its test report: an approval without evidence is refused, with it recorded.
    const bare = await decide('uat-signoff', 'ops-lead@hub', 'sandbox');
    expect({ status: bare.statusCode, code: bare.json().code }).toEqual({ status: 422, code: 'DECISION_INVALID' });
    const plainHttp = await decide('uat-signoff', 'ops-lead@hub', 'sandbox', {
      evidence: [{ label: 'report', url: 'http://docs.hub.example/uat.pdf' }],
    });
    expect({ status: plainHttp.statusCode, code: plainHttp.json().code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    const report = { label: 'UAT report 2026-11', url: 'https://docs.hub.example/uat/dfsp-alpha.pdf' };
    const signedOff = await decide('uat-signoff', 'ops-lead@hub', 'sandbox', { evidence: [report] });
    expect(signedOff.statusCode).toBe(200);
    expect(signedOff.json().decision.decision).toMatchObject({ decision: 'approved', decidedBy: 'ops-lead@hub', evidence: [report] });
    await awaiting('contract@production#1');
    expect((await decide('contract', 'counsel@hub', 'production')).statusCode).toBe(200);

    // Production: the same steps under production policy (loopback allowlist refused, then a public one).
    await awaiting('client-csr@production#1');
    const production = await submitEverything('production');
    expect((await submit('ip-allowlist', { environment: 'production', entries: ['93.184.216.34'] })).statusCode).toBe(200);
    expect(production.clientId).not.toBe(sandbox.clientId);
    await proveConnectivity('production', production.hubClientSerial);

    await awaiting('go-live@production#1');
    // The ledger set-up repeated against the same central-ledger converged (already registered, already set).
    expect((await status()).tasks.map((t) => `${t.id}:${t.status}`)).toEqual([
      'hub-client-csr@sandbox:done',
      'hub-ledger@sandbox:done',
      'uat-run@sandbox#1:done',
      'uat-run@sandbox#2:done',
      'hub-client-csr@production:done',
      'hub-ledger@production:done',
    ]);
    // Go-live needs two distinct approvers (the default gate policy): the first approval leaves it open.
    expect((await decide('go-live', 'ops-lead@hub', 'production')).statusCode).toBe(200);
    expect((await status()).awaiting.find((a) => a.instanceId === 'go-live@production#1')?.approvals).toEqual({
      have: ['ops-lead@hub'],
      need: 2,
    });
    expect((await decide('go-live', 'ops-second@hub', 'production')).statusCode).toBe(200);
    await eventually(async () => ((await status()).state === 'live' ? true : undefined));

    // Live, and the certificates are watched: the 90-day sandbox client certificate is within the
    // renewal lead (100 days here), so its renewal opened as client-csr@sandbox#2; the rest is valid.
    const due = await eventually(async () => {
      const s = await status();
      return s.awaiting.some((a) => a.instanceId === 'client-csr@sandbox#2') ? s : undefined;
    });
    expect(due.state).toBe('live');
    expect(due.certificates?.map((c) => `${c.id}=${c.state}`).sort()).toEqual([
      'client-csr@production#1=valid',
      'client-csr@sandbox#1=renewal-due',
      'hub-client-certificate@production#1=valid',
      'hub-client-certificate@sandbox#1=valid',
      'server-certificate@production#1=valid',
      'server-certificate@sandbox#1=valid',
    ]);
    // The DFSP renews with a new key: the hub CA signs it, openssl verifies it, and the gateway admits it
    // beside the old certificate (which stays admitted until it ends).
    const renewedKeyFile = ssl.key('client-sandbox-renewed.key', 'rsa:2048');
    const renewed = await submit('client-csr', {
      environment: 'sandbox',
      csrPem: ssl.csr('client-sandbox-renewed.csr', renewedKeyFile, `/C=SN/O=${legalName}/CN=${participantId}`),
    });
    expect(renewed.statusCode).toBe(200);
    const renewedCert = renewed.json().submission.artifact as {
      certificatePem: string;
      chainPem: string;
      serialHex: string;
      gatewayRevision: number | null;
    };
    expect(renewed.json().submission.id).toBe('client-csr@sandbox#2');
    expect(renewedCert.gatewayRevision).toEqual(expect.any(Number));
    expect(
      ssl.verify(
        ssl.write('hub-root.pem', toPem('CERTIFICATE', ca.root.der)),
        ssl.write('hub-chain-renewed.pem', renewedCert.chainPem),
        ssl.write('client-sandbox-renewed.pem', renewedCert.certificatePem),
      ),
    ).toMatchObject({ ok: true });
    const renewedKey = readFileSync(renewedKeyFile, 'utf8');
    await eventually(
      async () =>
        (
          (await callGateway({ port, from: '127.0.0.2', ca: ca.chainPem(), cert: renewedCert.certificatePem, key: renewedKey })) as {
            status?: number;
          }
        ).status === 200 || undefined,
    );
    expect(
      await callGateway({ port, from: '127.0.0.2', ca: ca.chainPem(), cert: sandbox.clientCert, key: sandbox.clientKey }),
    ).toMatchObject({ status: 200 });
    const inForce = await eventually(async () => {
      const s = await status();
      return s.certificates?.length === 7 ? s : undefined;
    });
    expect(
      inForce.certificates?.filter((c) => c.submission === 'client-csr' && c.environment === 'sandbox').map((c) => `${c.id}=${c.state}`),
    ).toEqual(['client-csr@sandbox#1=replaced', expect.stringMatching(/^client-csr@sandbox#2=(valid|renewal-due)$/)]);
    // The renewed certificate is a 90-day one too, so within this test's 100-day lead: its own renewal opens at once.
    const next = await eventually(async () => {
      const s = await status();
      return s.awaiting.some((a) => a.instanceId === 'client-csr@sandbox#3') ? s : undefined;
    });
    expect(next.state).toBe('live');

    const final = await status();
    expect(final.liveSince).toEqual(expect.any(String));
    // Never a secret or a private key in the state.
    const text = JSON.stringify(final);
    expect(text).not.toContain(sandbox.secret);
    expect(text).not.toContain('PRIVATE KEY');
    // What the status read answered came from the read model (the memo), and it is the query's answer.
    const { memo, query } = await readModelAndQuery(stack.client, participantId);
    expect(memo).toEqual(query);

    // The replay test's live DFSP history comes from this run: `RECORD_HISTORIES=1 npx jest test/integration/dfsp-journey.test.ts`.
    recordHistory(participantId, 'dfsp-live.json');
  });
});
