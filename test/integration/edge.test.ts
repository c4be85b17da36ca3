/**
 * The edge on the real components: nginx (mTLS, allowlist) in front of the verifying hop
 * (`npm run edge`, as `npm start` runs it) in front of the echo upstream, with tokens from the
 * authorization server as `npm start` runs it. A DFSP (with a live JWS key: FSPIOP rules) and a TPP
 * (token only), both admitted by their grants; each row is one real request through the edge.
 * FSPIOP requests are signed with Mojaloop's own JwsSigner.
 */
import type { ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { importJWK, SignJWT, type JWK } from 'jose';
import { issueOauthClient, startEdgeProcess } from '../support/edge';
import { RegistryCredentialIssuer, subjectDnOf } from '../../activities/credentials/credential-issuer';
import { openSecretPickups } from '../../activities/credentials/secret-pickup';
import { ParticipantKeyDirectory } from '../../activities/keys/participant-keys';
import { NetworkAccessService } from '../../activities/network/access';
import { NetworkRegistry, pinOf } from '../../activities/network/network-registry';
import { openGateway } from '../../worker/onboarding-worker';
import { testKeys } from '../support/auth';
import { eventually } from '../support/eventually';
import { callGateway } from '../support/gateway';
import { httpsRequest, startAuthServer, tokenRequest } from '../support/oauth';
import { clientExt, OpenSsl } from '../support/openssl';
import { hubSignedClient, startStepStack, stopProcess, type StepStack } from '../support/step-probes';
import { freePort } from '../support/dev-server';
import { mojaloopJws, quietLogger, type MojaloopRequest } from '../support/mojaloop-jws';
import { nginxBinary } from '../support/temporal-env';

jest.setTimeout(180_000);

const keys = testKeys();
let rig: StepStack;
let nginx: ChildProcess;
let authServer: ChildProcess;
let verifier: ChildProcess;
const verifierOutput: string[] = [];
let verifierListen: string;
let sandboxPort: number;
const ssl = new OpenSsl();
const jws = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const otherJws = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
let dfsp: { cert: string; key: string; token: string };
let tpp: { cert: string; key: string; token: string };

async function admitted(participantId: string, legalName: string, scopes: string[], from: string, own?: { cert: string; key: string }) {
  const client = own ?? (await hubSignedClient(ssl, rig.ca, rig.db, participantId, legalName));
  const access = new NetworkAccessService(
    new NetworkRegistry(rig.db),
    await openGateway({ dataDir: rig.stack.dataDir, gateway: gatewayConfig() }, rig.ca),
  );
  await access.applyAllowlist({ participantId, environment: 'sandbox', entries: [from], writeKey: `${participantId}/allowlist` });
  await access.grant(participantId, 'sandbox', `${participantId}/access`, 'test: access steps accepted');
  const { clientId, secret } = await issueOauthClient(
    new RegistryCredentialIssuer(rig.db, openSecretPickups(rig.db, rig.stack.dataDir)),
    openSecretPickups(rig.db, rig.stack.dataDir),
    participantId,
    scopes,
  );
  const answer = await tokenRequest(rig.stack.oauth, rig.ca.chainPem(), clientId, secret, scopes[0]!);
  expect(answer.status).toBe(200);
  return { cert: client.cert, key: client.key, token: (JSON.parse(answer.body) as { access_token: string }).access_token };
}

const gatewayConfig = () => ({ ...rig.stack.gateway, verifier: verifierListen });

/** A PUT /parties from the DFSP, signed as Mojaloop's SDK signs it. */
function signedPut(signingKey: string, source = 'dfsp-alpha'): { headers: Record<string, string>; body: string } {
  const request: MojaloopRequest = {
    method: 'PUT',
    url: 'https://hub.example/parties/MSISDN/221770000001',
    headers: {
      'fspiop-source': source,
      'fspiop-destination': 'payerfsp',
      'content-type': 'application/vnd.interoperability.parties+json;version=1.1',
    },
    body: { party: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '221770000001', fspId: source } } },
  };
  new mojaloopJws.signer({ signingKey, logger: quietLogger }).sign(request);
  return { headers: request.headers, body: String(request.body) };
}

const viaEdge = (
  who: { cert: string; key: string },
  opts: { token?: string | null; path?: string; method?: string; headers?: Record<string, string>; body?: string; from?: string } = {},
) =>
  callGateway({
    port: sandboxPort,
    from: opts.from ?? '127.0.0.2',
    ca: rig.ca.chainPem(),
    cert: who.cert,
    key: who.key,
    path: opts.path ?? '/parties/MSISDN/221770000001',
    method: opts.method ?? 'PUT',
    headers: { ...(opts.headers ?? {}), ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}) },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  }) as Promise<{ status: number; body: string }>;

const codeOf = (answer: { body: string }) =>
  (JSON.parse(answer.body) as { errorInformation?: { errorCode: string }; code?: string }).errorInformation?.errorCode ??
  (JSON.parse(answer.body) as { code?: string }).code;

beforeAll(async () => {
  rig = await startStepStack('edge', keys, { gateway: { binary: nginxBinary } });
  authServer = await startAuthServer(rig.stack.dataDir, rig.stack.oauth);
  verifierListen = `127.0.0.1:${await freePort()}`;
  sandboxPort = Number(rig.stack.gateway.listen.sandbox.split(':')[1]);
  verifier = await startEdgeProcess(rig.stack, { EDGE_VERIFIER_LISTEN: verifierListen, EDGE_EGRESS_LISTEN: 'off' }, verifierOutput);
  const gateway = await openGateway({ dataDir: rig.stack.dataDir, gateway: gatewayConfig() }, rig.ca);
  await gateway.prepare(await new NetworkRegistry(rig.db).desiredState(new Date()), 'start');
  nginx = gateway.start();
  await eventually(async () => ((await gateway.serving()) !== null ? true : undefined));

  dfsp = await admitted('dfsp-alpha', 'Alpha Mobile Money', ['fspiop'], '127.0.0.2');
  await new ParticipantKeyDirectory(rig.db).recordJwsKey(
    {
      participantId: 'dfsp-alpha',
      environment: 'sandbox',
      kid: 'alpha-1',
      spkiSha256: 'a'.repeat(64),
      publicKeyPem: jws.publicKey,
      notAfter: null,
      writeKey: 'dfsp-alpha/jws',
    },
    new Date(),
  );
  tpp = await admitted('tpp-beta', 'Beta Payments Ltd', ['payments'], '127.0.0.2');
});

afterAll(async () => {
  await stopProcess(nginx, 'SIGQUIT');
  await stopProcess(verifier, 'SIGTERM');
  await stopProcess(authServer, 'SIGTERM');
  await rig?.close();
});

describe('the edge, request by request', () => {
  it("admits a DFSP's signed FSPIOP request with its own token, and the upstream learns who called from the certificate", async () => {
    const signed = signedPut(jws.privateKey);
    const answer = await viaEdge(dfsp, { token: dfsp.token, ...signed });
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ participant: 'dfsp-alpha', environment: 'sandbox' });
  });

  it('refuses no token, a garbage token and another participant’s token, with Mojaloop’s error body', async () => {
    const signed = signedPut(jws.privateKey);
    const none = await viaEdge(dfsp, { ...signed });
    expect([none.status, codeOf(none)]).toEqual([401, '3000']);
    const garbage = await viaEdge(dfsp, { token: 'garbage.token.value', ...signed });
    expect([garbage.status, codeOf(garbage)]).toEqual([401, '3000']);
    const theirs = await viaEdge(dfsp, { token: tpp.token, ...signed });
    expect([theirs.status, codeOf(theirs)]).toEqual([403, '3000']);
  });

  it("refuses tokens signed with the authorization server's own key that are expired or for the other environment", async () => {
    const { keys: signing } = JSON.parse(readFileSync(path.join(rig.stack.dataDir, 'oauth', 'jwks.json'), 'utf8')) as {
      keys: (JWK & { kid: string })[];
    };
    const key = await importJWK(signing[0]!, 'ES256');
    const token = (audience: string, expiresAt: number) =>
      new SignJWT({ client_id: 'dfsp-alpha.sandbox', scope: 'fspiop' })
        .setProtectedHeader({ alg: 'ES256', kid: signing[0]!.kid })
        .setIssuer(rig.stack.oauth.issuer)
        .setAudience(audience)
        .setIssuedAt(expiresAt - 300)
        .setExpirationTime(expiresAt)
        .sign(key);
    const now = Math.floor(Date.now() / 1000);
    const signed = signedPut(jws.privateKey);
    // The same key and claims, valid: admitted (so the refusals below are for what differs).
    expect((await viaEdge(dfsp, { token: await token(`${rig.stack.oauth.audience}/sandbox`, now + 300), ...signed })).status).toBe(200);
    const expired = await viaEdge(dfsp, { token: await token(`${rig.stack.oauth.audience}/sandbox`, now - 60), ...signed });
    expect([expired.status, codeOf(expired)]).toEqual([401, '3000']);
    const production = await viaEdge(dfsp, { token: await token(`${rig.stack.oauth.audience}/production`, now + 300), ...signed });
    expect([production.status, codeOf(production)]).toEqual([401, '3000']);
  });

  it('admits a certificate-bound client’s token with its certificate, and refuses an unbound token for that client', async () => {
    const delta = await hubSignedClient(ssl, rig.ca, rig.db, 'tpp-delta', 'Delta Ltd');
    const access = new NetworkAccessService(
      new NetworkRegistry(rig.db),
      await openGateway({ dataDir: rig.stack.dataDir, gateway: gatewayConfig() }, rig.ca),
    );
    await access.applyAllowlist({
      participantId: 'tpp-delta',
      environment: 'sandbox',
      entries: ['127.0.0.2'],
      writeKey: 'tpp-delta/allowlist',
    });
    await access.grant('tpp-delta', 'sandbox', 'tpp-delta/access', 'test: access steps accepted');
    await new RegistryCredentialIssuer(rig.db, openSecretPickups(rig.db, rig.stack.dataDir)).issue({
      participantId: 'tpp-delta',
      environment: 'sandbox',
      scopes: ['payments'],
      authMethod: 'tls_client_auth',
      tlsSubjectDn: subjectDnOf(new X509Certificate(delta.cert)),
      writeKey: 'tpp-delta/oauth-client',
    });
    const answer = await tokenRequest(rig.stack.oauth, rig.ca.chainPem(), 'tpp-delta.sandbox', null, 'payments', {
      cert: delta.cert,
      key: delta.key,
    });
    expect(answer.status).toBe(200);
    const bound = (JSON.parse(answer.body) as { access_token: string }).access_token;
    expect((await viaEdge(delta, { token: bound, method: 'GET', path: '/payments/1' })).status).toBe(200);
    // The same client's token without the binding, signed with the authorization server's own key: refused.
    const { keys: signing } = JSON.parse(readFileSync(path.join(rig.stack.dataDir, 'oauth', 'jwks.json'), 'utf8')) as {
      keys: (JWK & { kid: string })[];
    };
    const unbound = await new SignJWT({ client_id: 'tpp-delta.sandbox', scope: 'payments' })
      .setProtectedHeader({ alg: 'ES256', kid: signing[0]!.kid })
      .setIssuer(rig.stack.oauth.issuer)
      .setAudience(`${rig.stack.oauth.audience}/sandbox`)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(await importJWK(signing[0]!, 'ES256'));
    const refused = await viaEdge(delta, { token: unbound, method: 'GET', path: '/payments/1' });
    expect([refused.status, codeOf(refused)]).toEqual([403, 'TOKEN_NOT_BOUND']);
  });

  it('refuses a spoofed FSPIOP-Source, a tampered body, an unsigned PUT and another key’s signature', async () => {
    const spoofed = await viaEdge(dfsp, { token: dfsp.token, ...signedPut(jws.privateKey, 'dfsp-beta') });
    expect([spoofed.status, codeOf(spoofed)]).toEqual([400, '3100']);
    const signed = signedPut(jws.privateKey);
    const tampered = await viaEdge(dfsp, {
      token: dfsp.token,
      headers: signed.headers,
      body: signed.body.replace('221770000001"', '221770000002"'),
    });
    expect([tampered.status, codeOf(tampered)]).toEqual([400, '3105']);
    const unsignedHeaders = { ...signed.headers };
    delete unsignedHeaders['fspiop-signature'];
    const unsigned = await viaEdge(dfsp, { token: dfsp.token, headers: unsignedHeaders, body: signed.body });
    expect([unsigned.status, codeOf(unsigned)]).toEqual([400, '3102']);
    const foreign = await viaEdge(dfsp, { token: dfsp.token, ...signedPut(otherJws.privateKey) });
    expect([foreign.status, codeOf(foreign)]).toEqual([400, '3105']);
  });

  it('admits a TPP’s call on its API with its token, refuses a route its token has no scope for (problem+json)', async () => {
    const ok = await viaEdge(tpp, { token: tpp.token, method: 'GET', path: '/payments/123' });
    expect(ok.status).toBe(200);
    const scope = await viaEdge(tpp, { token: tpp.token, method: 'GET', path: '/accounts/123' });
    expect([scope.status, codeOf(scope)]).toEqual([403, 'TOKEN_SCOPE_MISSING']);
  });

  it("admits a TPP's own CA-signed certificate once accepted — exactly that one: another from the same CA, same subject, is refused", async () => {
    const ownRoot = ssl.selfSigned('gamma-root', 'rsa:2048', '/C=GB/O=Gamma Ltd/CN=Gamma Root CA');
    const own = ssl.signed('gamma-client', ownRoot, { subject: '/C=GB/O=Gamma Ltd/CN=tpp-gamma', ext: clientExt });
    const twin = ssl.signed('gamma-twin', ownRoot, { subject: '/C=GB/O=Gamma Ltd/CN=tpp-gamma', ext: clientExt });
    await new ParticipantKeyDirectory(rig.db).recordClientCertificate(
      {
        participantId: 'tpp-gamma',
        environment: 'sandbox',
        certificatePem: own.cert,
        sha256: pinOf(own.cert).sha256,
        notAfter: null,
        writeKey: 'tpp-gamma/own',
      },
      new Date(),
    );
    const gamma = await admitted('tpp-gamma', 'Gamma Ltd', ['payments'], '127.0.0.2', { cert: own.cert, key: own.key });
    expect((await viaEdge(gamma, { token: gamma.token, method: 'GET', path: '/payments/1' })).status).toBe(200);
    expect(await viaEdge({ cert: twin.cert, key: twin.key }, { token: gamma.token, method: 'GET', path: '/payments/1' })).toMatchObject({
      status: 403,
    });
  });

  it('still refuses at nginx: another address, and no certificate', async () => {
    const signed = signedPut(jws.privateKey);
    expect(await viaEdge(dfsp, { token: dfsp.token, ...signed, from: '127.0.0.3' })).toMatchObject({ status: 403 });
    expect(await callGateway({ port: sandboxPort, from: '127.0.0.2', ca: rig.ca.chainPem(), path: '/parties/MSISDN/1' })).toMatchObject({
      status: 400,
    });
  });

  it('opens the authorization-code flow, with PKCE, for exactly the redirect URIs onboarding registered', async () => {
    await new RegistryCredentialIssuer(rig.db, openSecretPickups(rig.db, rig.stack.dataDir)).setRedirectUris(
      'tpp-beta',
      'sandbox',
      ['https://app.beta.example/oauth/callback'],
      'tpp-beta/redirect-urls',
    );
    const codeVerifier = randomBytes(32).toString('base64url');
    const authorize = (redirectUri: string, pkce = true) =>
      httpsRequest(
        `${rig.stack.oauth.issuer}/auth?${new URLSearchParams({
          client_id: 'tpp-beta.sandbox',
          response_type: 'code',
          redirect_uri: redirectUri,
          scope: 'payments',
          state: 'state-1',
          ...(pkce ? { code_challenge: createHash('sha256').update(codeVerifier).digest('base64url'), code_challenge_method: 'S256' } : {}),
        })}`,
        { ca: rig.ca.chainPem() },
      );
    // Registered: on to the login interaction (the participant's user signs in there).
    const registered = await authorize('https://app.beta.example/oauth/callback');
    expect([registered.status, registered.location]).toEqual([303, expect.stringMatching(/\/interaction\//)]);
    // Not registered: refused at the authorization server, no redirect to it.
    const unregistered = await authorize('https://evil.example/oauth/callback');
    expect(unregistered.status).toBe(400);
    expect(unregistered.body).toContain('redirect_uri');
    // Without PKCE: refused back to the registered URI.
    const noPkce = await authorize('https://app.beta.example/oauth/callback', false);
    expect(noPkce.location).toMatch(/^https:\/\/app\.beta\.example\/oauth\/callback\?error=invalid_request/);
  });

  it('refuses every request of a DFSP whose JWS key was retired, and of a participant whose client was revoked', async () => {
    const beforeRetire = await viaEdge(dfsp, {
      token: dfsp.token,
      method: 'GET',
      path: '/parties/MSISDN/1',
      headers: { 'fspiop-source': 'dfsp-alpha' },
    });
    expect(beforeRetire.status).toBe(200);
    await new ParticipantKeyDirectory(rig.db).revokeJwsKey('dfsp-alpha', 'sandbox', new Date());
    // The edge reads the registry at most a second stale.
    const retiredAt = Date.now();
    const signedAfter = await eventually(async () => {
      const answer = await viaEdge(dfsp, { token: dfsp.token, ...signedPut(jws.privateKey) });
      return answer.status === 400 ? answer : undefined;
    });
    expect(Date.now() - retiredAt).toBeLessThan(3000);
    expect([signedAfter.status, codeOf(signedAfter)]).toEqual([400, '3105']);
    const getAfter = await viaEdge(dfsp, {
      token: dfsp.token,
      method: 'GET',
      path: '/parties/MSISDN/1',
      headers: { 'fspiop-source': 'dfsp-alpha' },
    });
    expect([getAfter.status, codeOf(getAfter)]).toEqual([400, '3105']);
    await new RegistryCredentialIssuer(rig.db, openSecretPickups(rig.db, rig.stack.dataDir)).revoke('tpp-beta.sandbox');
    const revoked = await eventually(async () => {
      const answer = await viaEdge(tpp, { token: tpp.token, method: 'GET', path: '/payments/123' });
      return answer.status === 403 ? answer : undefined;
    });
    expect([revoked.status, codeOf(revoked)]).toEqual([403, 'TOKEN_CLIENT_MISMATCH']);
  });

  it('takes no request that did not come through the gateway, and logs refusals without the token', async () => {
    const direct = await fetch(`http://${verifierListen}/parties/MSISDN/1`, {
      headers: { 'x-participant-id': 'dfsp-alpha', 'x-hub-environment': 'sandbox' },
    });
    expect(direct.status).toBe(403);
    const log = verifierOutput.join('');
    expect(log).toContain('"code":"FSPIOP_SIGNATURE_INVALID"');
    expect(log).toContain('"participantId":"dfsp-alpha"');
    expect(log).not.toContain(dfsp.token);
    expect(log).not.toContain(tpp.token);
  });
});
