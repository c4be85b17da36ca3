/**
 * The credential issuer's Keycloak adapter against a real Keycloak 26.7.3 (started once per run
 * by the integration global set-up): the realm made on first use, a client-credentials client per
 * participant and environment whose secret is shown once, tokens the edge's own verifier admits
 * (issuer, JWKS, audience, client, scope), rotation with both secrets valid for the overlap and a
 * retried rotation that does not push the old secret out, certificate-bound clients refusing
 * secrets, revocation (no new token, the old token refused at the edge), redirect URIs.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { KeycloakCredentialIssuer, type KeycloakIssuerHooks } from '../../activities/credentials/keycloak-issuer';
import { keycloakEndpoints } from '../../activities/credentials/keycloak-endpoints';
import { audienceFor } from '../../activities/credentials/credential-issuer';
import { openSecretPickups, type SecretPickups } from '../../activities/credentials/secret-pickup';
import { openRegistry, type RegistryDb } from '../../activities/registry/database';
import { verifyAccessToken } from '../../edge/verifier/access-token';
import { EdgeRefusal } from '../../edge/verifier/fspiop-errors';
import { registryTokenVerifier } from '../../edge/verifier/token-verifier';
import type { OauthConfig } from '../../worker/config';
import { testKeycloak } from '../support/keycloak';

const kc = testKeycloak();
const realm = `hub_${Date.now().toString(36)}`;
const endpoints = keycloakEndpoints({ url: kc.url, realm });
const oauth: OauthConfig = {
  listen: '127.0.0.1:9',
  ...endpoints,
  keycloak: { url: kc.url, realm, adminClientId: kc.adminClientId, adminClientSecret: kc.adminClientSecret },
  audience: 'https://hub.test/api',
  scopes: ['accounts', 'fspiop'],
  accessTokenTtlSeconds: 300,
  rotationOverlapSeconds: 30,
};
// The client certificate's PEM feeds only the binding check, which secret-based clients' tokens skip.
const certificatePem = '';

let db: RegistryDb;
let pickups: SecretPickups;
let hooks: KeycloakIssuerHooks;
let issuer: KeycloakCredentialIssuer;

async function tokenFor(clientId: string, secret: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await fetch(endpoints.tokenEndpoint, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
}

async function secretOf(pickup: string | null): Promise<string> {
  if (pickup === null) throw new Error('no pickup');
  const secret = await pickups.redeem(pickup);
  if (secret === null) throw new Error('pickup empty');
  return secret;
}

async function admin(): Promise<KcAdminClient> {
  const client = new KcAdminClient({ baseUrl: kc.url, realmName: 'master' });
  await client.auth({ grantType: 'client_credentials', clientId: kc.adminClientId, clientSecret: kc.adminClientSecret });
  return client;
}

beforeAll(async () => {
  db = await openRegistry(path.join(mkdtempSync(path.join(tmpdir(), 'keycloak-issuer-')), 'registry.sqlite'));
  pickups = openSecretPickups(db, mkdtempSync(path.join(tmpdir(), 'keycloak-pickups-')));
  hooks = {};
  issuer = new KeycloakCredentialIssuer(
    db,
    pickups,
    oauth.keycloak!,
    {
      audience: (environment) => audienceFor(oauth.audience, environment),
      scopes: oauth.scopes,
      accessTokenTtlSeconds: oauth.accessTokenTtlSeconds,
    },
    hooks,
  );
});

afterAll(async () => {
  await db.destroy();
});

const atEdge = (token: string, participantId: string, environment: 'sandbox' | 'production', scope = 'fspiop') =>
  verifyAccessToken(
    { authorization: `Bearer ${token}`, participantId, environment, certificatePem, scope },
    registryTokenVerifier(oauth, db, ''),
  );

describe('Keycloak credential issuer (real Keycloak 26.7.3)', () => {
  test('issues a client-credentials client per participant and environment whose tokens the edge admits; the secret is shown once', async () => {
    const issued = await issuer.issue({
      participantId: 'dfspkc1',
      environment: 'sandbox',
      scopes: ['fspiop'],
      authMethod: 'client_secret_basic',
      writeKey: 'dfspkc1/sandbox/oauth',
    });
    expect(issued).toMatchObject({ clientId: 'dfspkc1.sandbox', reused: false, authMethod: 'client_secret_basic', scopes: ['fspiop'] });
    const secret = await secretOf(issued.secretPickup);
    expect(await pickups.redeem(issued.secretPickup as string)).toBeNull();

    // The realm as the hub made it: ES256 keys, the client confidential with only the service-account grant.
    const api = await admin();
    const realmRep = await api.realms.findOne({ realm });
    expect(realmRep?.defaultSignatureAlgorithm).toBe('ES256');
    const [client] = await api.clients.find({ realm, clientId: 'dfspkc1.sandbox' });
    expect(client).toMatchObject({
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      directAccessGrantsEnabled: false,
    });

    const token = await tokenFor('dfspkc1.sandbox', secret);
    expect(token.status).toBe(200);
    const accessToken = String(token.body.access_token);
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ iss: endpoints.issuer, client_id: 'dfspkc1.sandbox' });
    expect(claims.aud).toBe(audienceFor(oauth.audience, 'sandbox'));
    expect(String(claims.scope).split(' ')).toContain('fspiop');
    expect(JSON.parse(Buffer.from(accessToken.split('.')[0] as string, 'base64url').toString())).toMatchObject({ alg: 'ES256' });

    await expect(atEdge(accessToken, 'dfspkc1', 'sandbox')).resolves.toBe('dfspkc1.sandbox');
    // Another participant's certificate, the other environment, a scope it was not given: refused as for the embedded server.
    await expect(atEdge(accessToken, 'dfspother', 'sandbox')).rejects.toMatchObject({ code: 'TOKEN_CLIENT_MISMATCH' });
    await expect(atEdge(accessToken, 'dfspkc1', 'production')).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    await expect(atEdge(accessToken, 'dfspkc1', 'sandbox', 'accounts')).rejects.toMatchObject({ code: 'TOKEN_SCOPE_MISSING' });
    expect((await tokenFor('dfspkc1.sandbox', `${secret}x`)).status).toBe(401);

    // A repeated issuance (same write key) makes no second client or secret; another write key reuses the client.
    const again = await issuer.issue({
      participantId: 'dfspkc1',
      environment: 'sandbox',
      scopes: ['fspiop'],
      authMethod: 'client_secret_basic',
      writeKey: 'dfspkc1/sandbox/oauth',
    });
    expect(again).toMatchObject({ reused: true, secretPickup: null });
    expect((await tokenFor('dfspkc1.sandbox', secret)).status).toBe(200);
    expect(await api.clients.find({ realm, clientId: 'dfspkc1.sandbox' })).toHaveLength(1);

    // The production client is its own, with the production audience.
    const production = await issuer.issue({
      participantId: 'dfspkc1',
      environment: 'production',
      scopes: ['fspiop'],
      authMethod: 'client_secret_basic',
      writeKey: 'dfspkc1/production/oauth',
    });
    const productionToken = String((await tokenFor('dfspkc1.production', await secretOf(production.secretPickup))).body.access_token);
    await expect(atEdge(productionToken, 'dfspkc1', 'production')).resolves.toBe('dfspkc1.production');
    await expect(atEdge(productionToken, 'dfspkc1', 'sandbox')).rejects.toBeInstanceOf(EdgeRefusal);
  });

  test('a bad scope name is refused before Keycloak is asked', async () => {
    await expect(
      issuer.issue({
        participantId: 'dfspkc9',
        environment: 'sandbox',
        scopes: ['Bad Scope'],
        authMethod: 'client_secret_basic',
        writeKey: 'dfspkc9/x',
      }),
    ).rejects.toMatchObject({ code: 'INPUT_INVALID' });
    expect(await (await admin()).clients.find({ realm, clientId: 'dfspkc9.sandbox' })).toHaveLength(0);
  });

  test('rotation: both secrets get tokens during the overlap; a retried rotation regenerates once and keeps the old secret valid', async () => {
    const issued = await issuer.issue({
      participantId: 'dfspkc2',
      environment: 'sandbox',
      scopes: ['fspiop'],
      authMethod: 'client_secret_basic',
      writeKey: 'dfspkc2/oauth',
    });
    const first = await secretOf(issued.secretPickup);

    // The first attempt dies between Keycloak's regeneration and setting the new secret (a worker killed there).
    hooks.afterRegenerate = async () => {
      hooks.afterRegenerate = undefined;
      throw new Error('worker killed');
    };
    await expect(issuer.rotate('dfspkc2.sandbox', 30, 'dfspkc2/rotate-1')).rejects.toThrow('worker killed');
    expect((await tokenFor('dfspkc2.sandbox', first)).status).toBe(200);

    const rotated = await issuer.rotate('dfspkc2.sandbox', 30, 'dfspkc2/rotate-1');
    expect(rotated).toMatchObject({ reused: false });
    expect(rotated.rotatedAt).not.toBeNull();
    const second = await secretOf(rotated.secretPickup);
    expect(second).not.toBe(first);
    expect((await tokenFor('dfspkc2.sandbox', second)).status).toBe(200);
    // The participant's old secret still works for the overlap: the retry did not regenerate a second time.
    expect((await tokenFor('dfspkc2.sandbox', first)).status).toBe(200);
    // The same rotation again: nothing changes.
    expect(await issuer.rotate('dfspkc2.sandbox', 30, 'dfspkc2/rotate-1')).toMatchObject({ reused: true, secretPickup: null });
    expect((await tokenFor('dfspkc2.sandbox', second)).status).toBe(200);

    // A second rotation pushes the first secret out (only the last rotated-out one overlaps).
    const third = await secretOf((await issuer.rotate('dfspkc2.sandbox', 30, 'dfspkc2/rotate-2')).secretPickup);
    expect((await tokenFor('dfspkc2.sandbox', third)).status).toBe(200);
    expect((await tokenFor('dfspkc2.sandbox', second)).status).toBe(200);
    expect((await tokenFor('dfspkc2.sandbox', first)).status).toBe(401);
  });

  test('certificate-bound: secrets stop getting tokens, back to a secret gets a new one shown once', async () => {
    const issued = await issuer.issue({
      participantId: 'tppkc3',
      environment: 'sandbox',
      scopes: ['accounts'],
      authMethod: 'client_secret_basic',
      writeKey: 'tppkc3/oauth',
    });
    const secret = await secretOf(issued.secretPickup);
    const bound = await issuer.changeAuthMethod(
      'tppkc3.sandbox',
      { authMethod: 'tls_client_auth', tlsSubjectDn: 'CN=tppkc3,O=TPP,C=GB' },
      'tppkc3/mtls',
    );
    expect(bound).toMatchObject({ authMethod: 'tls_client_auth', secretPickup: null });
    expect(await tokenFor('tppkc3.sandbox', secret)).toMatchObject({ status: 400, body: { error: 'invalid_client' } });
    // Naming itself in the form (as an X.509 client does) without a certificate: refused too.
    const posted = await fetch(endpoints.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'tppkc3.sandbox', client_secret: secret }),
    });
    expect(posted.status).toBe(401);
    const [client] = await (await admin()).clients.find({ realm, clientId: 'tppkc3.sandbox' });
    expect(client?.clientAuthenticatorType).toBe('client-x509');
    expect(client?.attributes).toMatchObject({
      'x509.subjectdn': 'CN=tppkc3,O=TPP,C=GB',
      'tls.client.certificate.bound.access.tokens': 'true',
    });
    await expect(issuer.changeAuthMethod('tppkc3.sandbox', { authMethod: 'tls_client_auth' }, 'tppkc3/no-dn')).rejects.toMatchObject({
      code: 'INPUT_INVALID',
    });

    const back = await issuer.changeAuthMethod('tppkc3.sandbox', { authMethod: 'client_secret_basic' }, 'tppkc3/secret-again');
    const fresh = await secretOf(back.secretPickup);
    expect((await tokenFor('tppkc3.sandbox', fresh)).status).toBe(200);
    expect((await tokenFor('tppkc3.sandbox', secret)).status).toBe(401);
  });

  test('revocation: Keycloak issues no token, and the edge refuses the token issued before', async () => {
    const issued = await issuer.issue({
      participantId: 'dfspkc4',
      environment: 'sandbox',
      scopes: ['fspiop'],
      authMethod: 'client_secret_basic',
      writeKey: 'dfspkc4/oauth',
    });
    const secret = await secretOf(issued.secretPickup);
    const before = String((await tokenFor('dfspkc4.sandbox', secret)).body.access_token);
    await expect(atEdge(before, 'dfspkc4', 'sandbox')).resolves.toBe('dfspkc4.sandbox');
    const revoked = await issuer.revoke('dfspkc4.sandbox');
    expect(revoked.revokedAt).not.toBeNull();
    expect((await tokenFor('dfspkc4.sandbox', secret)).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 1100)); // the verifier's client cache (1 s)
    await expect(atEdge(before, 'dfspkc4', 'sandbox')).rejects.toMatchObject({ code: 'TOKEN_CLIENT_MISMATCH' });
    // Revoking again is idempotent; a new issuance replaces the revoked client.
    expect((await issuer.revoke('dfspkc4.sandbox')).revokedAt).toBe(revoked.revokedAt);
    const reissued = await issuer.issue({
      participantId: 'dfspkc4',
      environment: 'sandbox',
      scopes: ['fspiop'],
      authMethod: 'client_secret_basic',
      writeKey: 'dfspkc4/oauth-2',
    });
    expect(reissued).toMatchObject({ reused: false, revokedAt: null });
    expect((await tokenFor('dfspkc4.sandbox', await secretOf(reissued.secretPickup))).status).toBe(200);
    expect(await (await admin()).clients.find({ realm, clientId: 'dfspkc4.sandbox' })).toHaveLength(1);
  });

  test('redirect URIs: set before and after issuance, the client takes exactly them with the code flow and PKCE S256', async () => {
    await issuer.setRedirectUris('tppkc5', 'sandbox', ['https://tpp5.example/cb'], 'tppkc5/redirects-1');
    await issuer.issue({
      participantId: 'tppkc5',
      environment: 'sandbox',
      scopes: ['accounts'],
      authMethod: 'client_secret_basic',
      writeKey: 'tppkc5/oauth',
    });
    const api = await admin();
    let [client] = await api.clients.find({ realm, clientId: 'tppkc5.sandbox' });
    expect(client).toMatchObject({ redirectUris: ['https://tpp5.example/cb'], standardFlowEnabled: true });
    expect(client?.attributes?.['pkce.code.challenge.method']).toBe('S256');
    await issuer.setRedirectUris('tppkc5', 'sandbox', ['https://tpp5.example/cb2', 'https://tpp5.example/cb3'], 'tppkc5/redirects-2');
    [client] = await api.clients.find({ realm, clientId: 'tppkc5.sandbox' });
    expect([...(client?.redirectUris ?? [])].sort()).toEqual(['https://tpp5.example/cb2', 'https://tpp5.example/cb3']);
    await issuer.setRedirectUris('tppkc5', 'sandbox', [], 'tppkc5/redirects-3');
    [client] = await api.clients.find({ realm, clientId: 'tppkc5.sandbox' });
    expect(client).toMatchObject({ redirectUris: [], standardFlowEnabled: false });
  });
});
