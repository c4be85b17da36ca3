/**
 * A bank counterparty onboarding end to end (seed 001), through the API on the real dev server:
 * the hub's JWT key published, the bank's authorization service checked live over TLS with a
 * signed JWT (refused before the bank installed the key, accepted after — and the JWT verifies with
 * the published key), the key keeper's two technical users with secrets shown once, the
 * counterparty set up in the processing centre, identifiers refused then registered, the
 * integration test confirmed on evidence; in production the security gate for a service the hub
 * cannot reach, then a 2-of-N go-live and live.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { BankTechnicalUsers } from '../../activities/credentials/technical-users';
import { openSecretPickups } from '../../activities/credentials/secret-pickup';
import { RegistryProcessingCenter } from '../../activities/processing/processing-center';
import type { RegistryDb } from '../../activities/registry/database';
import { OnboardingStatus, SubmissionInstance } from '../../workflows/messages';
import { testKeys } from '../support/auth';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { caExt, OpenSsl, serverExt } from '../support/openssl';
import { startStepStack, type StepStack } from '../support/step-probes';

const keys = testKeys();
const ssl = new OpenSsl();
const participantId = 'bank-kyiv';
const bankRoot = ssl.selfSigned('bank-root', 'rsa:2048', '/C=UA/O=Kyiv Bank/CN=Kyiv Bank Root CA', caExt);
const sandboxUrl = 'https://auth.kyivbank.example/dcm/check';
const productionUrl = 'https://93.184.216.34/dcm/check';
const registration = {
  alias: 'kyivbank',
  assetCode: 'UAH',
  firstEmployeeEmail: 'first.officer@kyivbank.example',
  authorizationUrls: { sandbox: sandboxUrl, production: productionUrl },
};

/** The bank's authorization service: accepts a Bearer JWT that verifies with a key it installed; records every JWT it saw. */
const installed = new Map<string, JWK>();
const seen: string[] = [];
let bankServer: Server;
let rig: StepStack;
let app: FastifyInstance;
let db: RegistryDb;

async function verifyInstalled(jwt: string): Promise<boolean> {
  const { kid } = decodeProtectedHeader(jwt);
  const jwk = kid ? installed.get(kid) : undefined;
  if (!jwk) return false;
  try {
    await jwtVerify(jwt, await importJWK(jwk, 'ES256'), { algorithms: ['ES256'] });
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  const server = ssl.signed('bank-auth', bankRoot, {
    subject: '/C=UA/O=Kyiv Bank/CN=auth.kyivbank.example',
    ext: serverExt('DNS:auth.kyivbank.example,IP:93.184.216.34'),
  });
  bankServer = createServer({ key: server.key, cert: server.cert + bankRoot.cert }, (req, res) => {
    const jwt = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    seen.push(jwt);
    void verifyInstalled(jwt).then((ok) =>
      res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok })),
    );
  });
  const port = await new Promise<number>((resolve) =>
    bankServer.listen(0, '127.0.0.1', () => resolve((bankServer.address() as AddressInfo).port)),
  );
  const connectTo = { 'auth.kyivbank.example:443': { host: '127.0.0.1', port }, '93.184.216.34:443': { host: '127.0.0.1', port } };
  rig = await startStepStack('bank', keys, { workflowsPath: require.resolve('../../workflows'), outbound: { timeoutMs: 3000, connectTo } });
  ({ app, db } = rig);
});

afterAll(async () => {
  await rig?.close();
  await new Promise((resolve) => bankServer?.close(resolve));
});

const asBank = () => keys.as(`officer@${participantId}`, `participant:${participantId}`);
const submit = (name: string, payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: `/onboardings/${participantId}/submissions/${name}`, headers: asBank(), payload });
const decide = (gate: string, decidedBy: string, environment: string, extra: Record<string, unknown> = {}) =>
  app.inject({
    method: 'POST',
    url: `/onboardings/${participantId}/approvals`,
    headers: keys.staff(decidedBy),
    payload: { gate, environment, decision: 'approved', comment: 'ok', ...extra },
  });
const status = async (): Promise<OnboardingStatus> =>
  (await app.inject({ method: 'GET', url: `/onboardings/${participantId}`, headers: keys.as('viewer@hub', 'viewer') })).json().onboarding;
const awaitingAll = (ids: string[]) =>
  eventually(async () => {
    const s = await status();
    return s && ids.every((id) => s.awaiting.some((a) => a.instanceId === id)) ? s : undefined;
  });
const evidence = [{ label: 'integration test report', url: 'https://docs.hub.example/bank/kyivbank-integration.pdf' }];

describe('bank counterparty onboarding end to end (seed 001)', () => {
  it('refuses an alias that cannot name hosts', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/onboardings',
      headers: keys.as('tool@hub', 'operator'),
      payload: {
        participantId: 'bank-bad',
        kind: 'bank',
        participant: { legalName: 'Bad Bank', country: 'UA', contactEmail: 'it@bad.example' },
        registration: { ...registration, alias: 'Kyiv Bank' },
      },
    });
    expect([res.statusCode, res.json().code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('takes a bank from registration to live, with a JWT the bank verifies with the published key', async () => {
    const started = await app.inject({
      method: 'POST',
      url: '/onboardings',
      headers: keys.as('tool@hub', 'operator'),
      payload: {
        participantId,
        kind: 'bank',
        participant: { legalName: 'Kyiv Bank JSC', country: 'UA', contactEmail: 'it@kyivbank.example' },
        registration,
      },
    });
    expect(started.statusCode).toBe(201);
    const open = await awaitingAll(['authorization-service@sandbox#1', 'officer-credentials@sandbox#1']);

    // The hub's public key, from the API and in the submission's `provided`: the same key.
    const published = await app.inject({
      method: 'GET',
      url: `/onboardings/${participantId}/jwt-key?environment=sandbox`,
      headers: asBank(),
    });
    expect(published.statusCode).toBe(200);
    const key = published.json() as { kid: string; alg: string; jwk: JWK; publicKeyPem: string };
    expect(key).toMatchObject({
      alg: 'ES256',
      jwk: { kty: 'EC', crv: 'P-256', kid: key.kid },
      publicKeyPem: expect.stringContaining('BEGIN PUBLIC KEY'),
    });
    expect(key.jwk).not.toHaveProperty('d');
    const provided = (open.instances.find((i) => i.id === 'authorization-service@sandbox#1') as SubmissionInstance).provided;
    expect(provided).toMatchObject({ kid: key.kid, authorizationUrl: sandboxUrl });
    expect(ssl.run(['pkey', '-pubin', '-in', ssl.write('hub-jwt.pem', key.publicKeyPem), '-noout', '-text'])).toContain('prime256v1');
    const early = await app.inject({
      method: 'GET',
      url: `/onboardings/${participantId}/jwt-key?environment=production`,
      headers: asBank(),
    });
    expect([early.statusCode, early.json().code]).toEqual([404, 'JWT_KEY_NOT_READY']);

    // Without the bank's CA the hub does not trust its server; the cause says so.
    const untrusted = await submit('authorization-service', { environment: 'sandbox' });
    expect(untrusted.statusCode).toBe(422);
    expect(untrusted.json().context.report).toMatchObject({ cause: 'unknown-ca', httpStatus: null });
    // Rejection: the service runs but has not installed the hub's key — 401, the cause named. Installed, it passes.
    const refused = await submit('authorization-service', { environment: 'sandbox', caPem: bankRoot.cert });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().context.report).toMatchObject({ httpStatus: 401, cause: 'jwt-refused', kid: key.kid });
    installed.set(key.kid, key.jwk);
    const accepted = await submit('authorization-service', { environment: 'sandbox', caPem: bankRoot.cert });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().submission.attempts.map((a: { accepted: boolean }) => a.accepted)).toEqual([false, false, true]);
    // The JWT the hub presented verifies with the published public key, for this URL.
    const presented = seen.at(-1) ?? '';
    const verified = await jwtVerify(presented, await importJWK(key.jwk, 'ES256'), { audience: sandboxUrl, subject: participantId });
    expect(verified.protectedHeader).toMatchObject({ alg: 'ES256', kid: key.kid });

    // The key keeper's technical users: two secrets, in this response only.
    const officers = await submit('officer-credentials', { environment: 'sandbox' });
    expect(officers.statusCode).toBe(200);
    const secrets = officers.json().secrets as Record<string, { value: string; shownOnce: boolean }>;
    expect(Object.keys(secrets).sort()).toEqual([`${participantId}.identification.sandbox`, `${participantId}.processing.sandbox`]);
    const users = new BankTechnicalUsers(db, openSecretPickups(db, rig.stack.dataDir));
    for (const [username, { value }] of Object.entries(secrets)) expect(await users.verify(username, value)).toBe(true);
    expect(await users.verify(`${participantId}.processing.sandbox`, 'a guess')).toBe(false);

    // The processing centre has the counterparty, its system URLs, first employee and entities.
    await awaitingAll(['identifiers@sandbox#1']);
    const center = await new RegistryProcessingCenter(db).counterparty(participantId, 'sandbox');
    expect(center).toMatchObject({
      alias: 'kyivbank',
      assetCode: 'UAH',
      legalName: 'Kyiv Bank JSC',
      systemUrls: { api: 'https://api-kyivbank-sandbox', backoffice: 'https://backoffice-kyivbank-sandbox', authorization: sandboxUrl },
      employees: [expect.objectContaining({ email: 'first.officer@kyivbank.example', role: 'admin' })],
    });
    expect(center?.entities.map((e) => e.type)).toEqual(['identification', 'processing']);

    // Identifiers: a malformed one refused with its code, then the list registered.
    const bad = await submit('identifiers', { environment: 'sandbox', identifiers: ['UA 0001'] });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().context.report.findings.map((f: { code: string; result: string }) => `${f.code}:${f.result}`)).toEqual([
      'IDENTIFIERS_VALID:fail',
    ]);
    expect((await submit('identifiers', { environment: 'sandbox', identifiers: ['UA-0002', 'UA-0001'] })).statusCode).toBe(200);
    expect((await new RegistryProcessingCenter(db).counterparty(participantId, 'sandbox'))?.identifiers).toEqual(['UA-0001', 'UA-0002']);

    // The integration test scenario: confirmed on its evidence only.
    await awaitingAll(['integration-test@sandbox#1']);
    const bare = await decide('integration-test', 'ops-lead@hub', 'sandbox');
    expect([bare.statusCode, bare.json().code]).toEqual([422, 'DECISION_INVALID']);
    expect((await decide('integration-test', 'ops-lead@hub', 'sandbox', { evidence })).statusCode).toBe(200);

    // Production: the hub cannot reach the bank's production service, so security records the check.
    await awaitingAll(['authorization-service@production#1', 'officer-credentials@production#1']);
    const productionKey = (
      await app.inject({ method: 'GET', url: `/onboardings/${participantId}/jwt-key?environment=production`, headers: asBank() })
    ).json() as { kid: string };
    expect(productionKey.kid).not.toBe(key.kid);
    expect((await submit('authorization-service', { environment: 'production', hubCannotReach: true })).statusCode).toBe(200);
    expect((await submit('officer-credentials', { environment: 'production' })).statusCode).toBe(200);
    await awaitingAll(['jwt-trust-check@production#1']);
    // Security's first check fails (rejected with the reason): the bank says what it fixed, and the check reopens as round 2.
    expect(
      (
        await decide('jwt-trust-check', 'sec-officer@hub', 'production', {
          decision: 'rejected',
          comment: 'the service still trusts the sandbox key',
        })
      ).statusCode,
    ).toBe(200);
    await awaitingAll(['uat-retest@production#1']);
    expect(
      (await submit('uat-retest', { environment: 'production', summary: 'installed the production key (kid in our config)' })).statusCode,
    ).toBe(200);
    await awaitingAll(['jwt-trust-check@production#2']);
    expect(
      (
        await decide('jwt-trust-check', 'sec-officer@hub', 'production', {
          evidence: [{ label: 'bank test log', url: 'https://docs.hub.example/bank/kyivbank-jwt.txt' }],
        })
      ).statusCode,
    ).toBe(200);
    await awaitingAll(['identifiers@production#1']);
    expect((await submit('identifiers', { environment: 'production', identifiers: ['UA-9001'] })).statusCode).toBe(200);

    // Multi-signature go-live: two distinct approvers, then live.
    await awaitingAll(['go-live@production#1']);
    expect((await decide('go-live', 'ops-lead@hub', 'production')).statusCode).toBe(200);
    const twice = await decide('go-live', 'ops-lead@hub', 'production');
    expect([twice.statusCode, twice.json().code]).toEqual([409, 'APPROVER_ALREADY_DECIDED']);
    expect((await decide('go-live', 'cfo@hub', 'production')).statusCode).toBe(200);
    const final = await eventually(async () => {
      const s = await status();
      return s.state === 'live' ? s : undefined;
    });
    expect(final.tasks.map((t) => `${t.id}:${t.status}`)).toEqual([
      'hub-jwt-key@sandbox:done',
      'processing-center@sandbox:done',
      'hub-jwt-key@production:done',
      'processing-center@production:done',
    ]);
    expect((await new RegistryProcessingCenter(db).counterparty(participantId, 'production'))?.identifiers).toEqual(['UA-9001']);
    // No secret in the state.
    const text = JSON.stringify(final);
    for (const { value } of Object.values(secrets)) expect(text).not.toContain(value);
    expect(text).not.toContain('PRIVATE KEY');

    recordHistory(participantId, 'bank-live.json');
  });

  it("withdraws a cancelled bank's identifiers, so that another bank can register them", async () => {
    const cancelled = await app.inject({
      method: 'POST',
      url: `/onboardings/${participantId}/cancel`,
      headers: keys.as('otto@hub', 'operator'),
      payload: { reason: 'the bank withdrew' },
    });
    expect(cancelled.statusCode).toBe(202);
    const center = new RegistryProcessingCenter(db);
    await eventually(async () => ((await center.counterparty(participantId, 'sandbox'))?.identifiers.length === 0 ? true : undefined));
    expect((await center.counterparty(participantId, 'production'))?.identifiers).toEqual([]);
    // Another bank in the same processing centre takes them.
    const other = await center.registerCounterparty({
      participantId: 'bank-next',
      environment: 'sandbox',
      alias: 'nextbank',
      legalName: 'Next Bank',
      assetCode: 'UAH',
    });
    await center.createEntities(other.counterpartyId);
    const report = await center.registerIdentifiers(other.counterpartyId, ['UA-0001', 'UA-0002']);
    expect(report).toMatchObject({ blocking: false, identifiers: ['UA-0001', 'UA-0002'] });
  });
});
