/**
 * An open-banking TPP onboarding end to end (seeds 000, 002, 003), through the API on the real dev
 * server, nginx and the authorization server: the access request, the technical evaluation (a weak
 * bundle refused, then the bundle with its key proven), the kickoff call it asked for, the sandbox
 * client (a token) and redirect URLs, UAT beside the contract, production: a CSR signed by the hub
 * CA (openssl verifies it), the allowlist, a second client and URLs, the bank-coordination gate its
 * payments API needs; 2-of-N go-live, live — the production client gets a token and the hub-issued
 * certificate passes the gateway's mTLS from the allowlisted address only.
 */
import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import type { LocalHubCa } from '../../activities/pki/local-hub-ca';
import { toPem } from '../../activities/pki/pem';
import type { RegistryDb } from '../../activities/registry/database';
import { NetworkRegistry } from '../../activities/network/network-registry';
import type { OnboardingStatus } from '../../workflows/messages';
import { openGateway } from '../../worker/onboarding-worker';
import { testKeys } from '../support/auth';
import { eventually } from '../support/eventually';
import { callGateway } from '../support/gateway';
import { recordHistory } from '../support/histories';
import { httpsRequest, startAuthServer, tokenRequest } from '../support/oauth';
import { startBody } from '../support/requests';
import { startStepStack, stopProcess, type StepStack } from '../support/step-probes';
import { awaitingAll, redirectUris, submitEvaluation, TppPki, tppCalls, uatEvidence } from '../support/tpp-journey';
import { nginxBinary } from '../support/temporal-env';

const keys = testKeys();
const pki = new TppPki();
const participantId = 'tpp-acme';
let rig: StepStack;
let app: FastifyInstance;
let db: RegistryDb;
let ca: LocalHubCa;
let nginx: ChildProcess;
let authServer: ChildProcess;

beforeAll(async () => {
  // A hub whose production participants connect over a private link: loopback addresses stand for it here.
  rig = await startStepStack('tpp', keys, {
    gateway: { binary: nginxBinary },
    workflowsPath: require.resolve('../../workflows'),
    allowlist: { productionAllowsNonPublic: true },
  });
  ({ app, db, ca } = rig);
  const gateway = await openGateway({ dataDir: rig.stack.dataDir, gateway: rig.stack.gateway }, ca);
  await gateway.prepare(await new NetworkRegistry(db).desiredState(new Date()), 'start');
  nginx = gateway.start();
  await eventually(async () => ((await gateway.serving()) !== null ? true : undefined));
  authServer = await startAuthServer(rig.stack.dataDir, rig.stack.oauth);
});

afterAll(async () => {
  await stopProcess(nginx, 'SIGQUIT');
  await stopProcess(authServer, 'SIGTERM');
  await rig?.close();
});

describe('TPP onboarding end to end (seeds 000, 002, 003)', () => {
  it('takes a TPP from its access request to live, with a production client that gets a token and a hub-issued certificate the gateway admits', async () => {
    const api = tppCalls(app, keys);
    const bundles = pki.bundlesFor(participantId);
    const body = {
      ...startBody(participantId),
      application: {
        useCase: 'Payment initiation for SMEs',
        expectedMonthlyVolume: 20_000,
        apis: ['accounts', 'payments'],
        kickoffCall: true,
      },
    };
    const started = await app.inject({ method: 'POST', url: '/onboardings', payload: body, headers: keys.as('tool@hub', 'operator') });
    expect(started.statusCode).toBe(201);
    await awaitingAll(api, participantId, ['application-review@sandbox#1']);
    expect((await api.decide(participantId, { gate: 'application-review', decision: 'approved', decidedBy: 'bob@hub' })).statusCode).toBe(
      200,
    );

    // The technical evaluation: refused (a 1024-bit key), then the bundle with its key proven.
    await awaitingAll(api, participantId, ['certificate-bundle@sandbox#1']);
    const weak = await api.submitBundle(participantId, bundles.weak);
    expect(weak.statusCode).toBe(422);
    expect(
      weak
        .json()
        .context.report.findings.filter((f: { result: string }) => f.result === 'fail')
        .map((f: { code: string }) => f.code),
    ).toEqual(expect.arrayContaining(['KEY_SIZE_MIN', 'KEY_POSSESSION_PROVEN']));
    // The refusal stays visible until the next attempt: in the status, in the UI's details, and to a search.
    const refused = (await api.status(participantId)).json().onboarding.awaiting[0];
    expect(refused.lastRefusal).toMatchObject({
      attempt: 1,
      findings: expect.arrayContaining([expect.objectContaining({ code: 'KEY_SIZE_MIN' })]),
    });
    const details = (
      await rig.stack.client.workflow
        .getHandle(`onboarding-${participantId}`)
        .query<{ currentDetails: string }>('__temporal_workflow_metadata')
    ).currentDetails;
    expect(details).toContain('**refused**: attempt 1');
    expect(details).toMatch(/`KEY_SIZE_MIN` fail: /);
    const search = await eventually(async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/onboardings?refusedSubmission=certificate-bundle@sandbox',
        headers: keys.as('vera@hub', 'viewer'),
      });
      const found = (res.json().onboardings as { participantId: string; refusedSubmissions: string[] }[]).find(
        (o) => o.participantId === participantId,
      );
      return found;
    });
    expect(search.refusedSubmissions).toEqual(['certificate-bundle@sandbox']);
    expect((await submitEvaluation(api, pki.ssl, participantId, bundles.good, bundles.leaf.keyFile)).statusCode).toBe(200);

    // The kickoff call it asked for (business), then the sandbox client and its redirect URLs.
    await awaitingAll(api, participantId, ['kickoff-call@sandbox#1']);
    expect(
      (
        await api.decide(participantId, {
          gate: 'kickoff-call',
          decision: 'approved',
          decidedBy: 'bob@hub',
          comment: 'call held 2026-12-01',
        })
      ).statusCode,
    ).toBe(200);
    await awaitingAll(api, participantId, ['oauth-client@sandbox#1', 'redirect-urls@sandbox#1']);
    const sandboxClient = await api.submit(participantId, 'oauth-client', { environment: 'sandbox' });
    expect(sandboxClient.statusCode).toBe(200);
    expect(sandboxClient.json().submission.artifact.scopes).toEqual(['accounts', 'payments']);
    const noRedirect = await api.submit(participantId, 'redirect-urls', {
      environment: 'sandbox',
      redirectUris: ['http://app.acme.example/cb#frag'],
    });
    expect(noRedirect.statusCode).toBe(422);
    expect((await api.submit(participantId, 'redirect-urls', { environment: 'sandbox', redirectUris })).statusCode).toBe(200);
    const sandboxToken = await tokenRequest(
      rig.stack.oauth,
      ca.chainPem(),
      sandboxClient.json().submission.artifact.clientId,
      sandboxClient.json().secret.value,
      'accounts',
    );
    expect(sandboxToken.status).toBe(200);
    // The authorization server knows what onboarding registered: the authorization-code flow (PKCE) opens for the registered URI only.
    const authorize = (redirectUri: string) =>
      httpsRequest(
        `${rig.stack.oauth.issuer}/auth?${new URLSearchParams({
          client_id: sandboxClient.json().submission.artifact.clientId,
          response_type: 'code',
          redirect_uri: redirectUri,
          scope: 'accounts',
          state: 's',
          code_challenge: createHash('sha256').update('verifier-'.repeat(6)).digest('base64url'),
          code_challenge_method: 'S256',
        })}`,
        { ca: ca.chainPem() },
      );
    expect((await authorize(redirectUris[0]!)).location).toMatch(/\/interaction\//);
    expect((await authorize('https://app.acme.example/other')).status).toBe(400);

    // UAT (on its report) beside the signed contract, both before production.
    await awaitingAll(api, participantId, ['uat-signoff@sandbox#1', 'contract@production#1']);
    expect(
      (await api.decide(participantId, { gate: 'uat-signoff', decision: 'approved', decidedBy: 'omar@hub', evidence: uatEvidence }))
        .statusCode,
    ).toBe(200);
    expect((await api.decide(participantId, { gate: 'contract', decision: 'approved', decidedBy: 'lena@hub' })).statusCode).toBe(200);

    // Production: the payments API needs the bank's operations, so bank coordination runs beside the rest.
    await awaitingAll(api, participantId, [
      'client-csr@production#1',
      'ip-allowlist@production#1',
      'oauth-client@production#1',
      'redirect-urls@production#1',
      'bank-coordination@production#1',
    ]);
    const keyFile = pki.ssl.key('tpp-production.key', 'rsa:2048');
    const signed = await api.submit(participantId, 'client-csr', {
      environment: 'production',
      csrPem: pki.ssl.csr('tpp-production.csr', keyFile, `/C=GB/O=Acme Pay Ltd/CN=${participantId}`),
    });
    expect(signed.statusCode).toBe(200);
    const certificate = signed.json().submission.artifact as { certificatePem: string; chainPem: string };
    const rootFile = pki.ssl.write('hub-root.pem', toPem('CERTIFICATE', ca.root.der));
    expect(
      pki.ssl.verify(
        rootFile,
        pki.ssl.write('hub-chain.pem', certificate.chainPem),
        pki.ssl.write('tpp-production.pem', certificate.certificatePem),
      ),
    ).toMatchObject({ ok: true });
    expect((await api.submit(participantId, 'ip-allowlist', { environment: 'production', entries: ['127.0.0.2'] })).statusCode).toBe(200);
    const productionClient = await api.submit(participantId, 'oauth-client', { environment: 'production' });
    expect(productionClient.statusCode).toBe(200);
    expect(productionClient.json().submission.artifact.clientId).not.toBe(sandboxClient.json().submission.artifact.clientId);
    expect((await api.submit(participantId, 'redirect-urls', { environment: 'production', redirectUris })).statusCode).toBe(200);
    expect(
      (
        await api.decide(participantId, {
          gate: 'bank-coordination',
          decision: 'approved',
          decidedBy: 'omar@hub',
          comment: 'IBAN checks enabled at the bank',
        })
      ).statusCode,
    ).toBe(200);

    await awaitingAll(api, participantId, ['go-live@production#1']);
    // Every production artifact is in place, but production access opens only with go-live: the edge refuses until then.
    const productionPort = Number(rig.stack.gateway.listen.production.split(':')[1]);
    const productionKey = pki.ssl.run(['pkey', '-in', keyFile]);
    const viaProduction = () =>
      callGateway({ port: productionPort, from: '127.0.0.2', ca: ca.chainPem(), cert: certificate.certificatePem, key: productionKey });
    expect(await viaProduction()).toMatchObject({ status: 403 });
    expect((await api.decide(participantId, { gate: 'go-live', decision: 'approved', decidedBy: 'omar@hub' })).statusCode).toBe(200);
    // One approver of two: still refused.
    expect(await viaProduction()).toMatchObject({ status: 403 });
    expect((await api.decide(participantId, { gate: 'go-live', decision: 'approved', decidedBy: 'pia@hub' })).statusCode).toBe(200);
    const live = await eventually(async () => {
      const s = (await api.status(participantId)).json().onboarding as OnboardingStatus;
      return s.state === 'live' ? s : undefined;
    });
    expect(live.certificates?.map((c) => `${c.id}=${c.state}`)).toEqual([
      'certificate-bundle@sandbox#1=valid',
      'client-csr@production#1=valid',
    ]);

    // Artifacts that work: the production client gets a token; the gateway admits the hub-issued certificate from the allowlisted address only.
    const token = await tokenRequest(
      rig.stack.oauth,
      ca.chainPem(),
      productionClient.json().submission.artifact.clientId,
      productionClient.json().secret.value,
      'payments',
    );
    expect(token.status).toBe(200);
    expect(JSON.parse(token.body)).toMatchObject({ token_type: 'Bearer', scope: 'payments' });
    const port = Number(rig.stack.gateway.listen.production.split(':')[1]);
    const key = pki.ssl.run(['pkey', '-in', keyFile]);
    await eventually(
      async () =>
        ((await callGateway({ port, from: '127.0.0.2', ca: ca.chainPem(), cert: certificate.certificatePem, key })) as { status?: number })
          .status === 200 || undefined,
    );
    expect(await callGateway({ port, from: '127.0.0.4', ca: ca.chainPem(), cert: certificate.certificatePem, key })).toMatchObject({
      status: 403,
    });
    // Never a secret in the state.
    const text = JSON.stringify(live);
    expect(text).not.toContain(productionClient.json().secret.value);
    expect(text).not.toContain('PRIVATE KEY');

    recordHistory(participantId, 'tpp-live.json');
  });
});
