/**
 * The OAuth client step on the real dev server and the real authorization server (oidc-provider,
 * started as `npm start` starts it): the participant gets a token with its id and secret, the token
 * verifies against the JWKS; wrong secrets fail; a rotated secret stops at the end of its overlap;
 * cancellation revokes the client; certificate-bound tokens with tls_client_auth; and no secret
 * in any workflow history or log line of the run.
 */
import { payloadText } from '../support/histories';
import type { ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { clientIdOf, RegistryCredentialIssuer, subjectDnOf } from '../../activities/credentials/credential-issuer';
import { openSecretPickups } from '../../activities/credentials/secret-pickup';
import type { LocalHubCa } from '../../activities/pki/local-hub-ca';
import type { RegistryDb } from '../../activities/registry/database';
import { onboardingWorkflowId } from '../../workflows/messages';
import { testKeys } from '../support/auth';
import { httpsRequest, startAuthServer, tokenRequest } from '../support/oauth';
import { OpenSsl } from '../support/openssl';
import { hubSignedClient, startProbe, startStepStack, StepStack, stopProcess } from '../support/step-probes';
import { capturedLogs, TestStack } from '../support/temporal-env';

let rig: StepStack;
let stack: TestStack;
let app: FastifyInstance;
let authServer: ChildProcess;
const authOutput: string[] = [];
let db: RegistryDb;
let ca: LocalHubCa;
let caPem: string;
const keys = testKeys();
const participantId = 'oauth-1';
const clientId = clientIdOf(participantId, 'sandbox');
const secrets: string[] = [];

const requestClient = (idempotencyKey: string, body: Record<string, unknown> = {}) =>
  app.inject({
    method: 'POST',
    url: `/onboardings/${participantId}/submissions/oauth-client`,
    headers: { ...keys.as(`${participantId}@participant`, `participant:${participantId}`), 'idempotency-key': idempotencyKey },
    payload: body,
  });

async function verifiedClaims(accessToken: string) {
  const jwks = JSON.parse((await httpsRequest(`${stack.oauth.issuer}/jwks`, { ca: caPem })).body) as Parameters<
    typeof createLocalJWKSet
  >[0];
  const { payload } = await jwtVerify(accessToken, createLocalJWKSet(jwks), {
    issuer: stack.oauth.issuer,
    audience: `${stack.oauth.audience}/sandbox`,
  });
  return payload;
}

beforeAll(async () => {
  rig = await startStepStack('oauth', keys);
  ({ stack, app, db, ca } = rig);
  caPem = ca.chainPem();
  authServer = await startAuthServer(stack.dataDir, stack.oauth, authOutput);
  await startProbe(stack, 'oauthClientProbe', participantId);
});

afterAll(async () => {
  await stopProcess(authServer, 'SIGTERM');
  await rig?.close();
});

describe('OAuth client credentials on the real authorization server', () => {
  it('issues the client once, shows the secret in that one response, and the token verifies against the JWKS', async () => {
    const first = await requestClient('oauth-1-issue-0001');
    expect(first.statusCode).toBe(200);
    const secret = first.json().secret.value as string;
    secrets.push(secret);
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.json().submission.artifact).toMatchObject({
      clientId,
      authMethod: 'client_secret_basic',
      scopes: ['accounts', 'transactions'],
    });

    // A retry of that request answers the same, without the secret: it was handed out already.
    const retry = await requestClient('oauth-1-issue-0001');
    expect(retry.statusCode).toBe(200);
    expect(retry.json().secret).toBeUndefined();
    expect(retry.json().submission.artifact.clientId).toBe(clientId);

    const token = await tokenRequest(stack.oauth, caPem, clientId, secret, 'accounts transactions');
    expect(token.status).toBe(200);
    const body = JSON.parse(token.body) as { access_token: string; token_type: string; expires_in: number; scope: string };
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'accounts transactions' });
    expect(body.expires_in).toBeLessThanOrEqual(300);
    const claims = await verifiedClaims(body.access_token);
    expect(claims).toMatchObject({
      client_id: clientId,
      scope: 'accounts transactions',
      // The sandbox client's tokens are for the sandbox audience only.
      aud: `${stack.oauth.audience}/sandbox`,
      iss: stack.oauth.issuer,
    });
  });

  it('refuses a wrong secret with invalid_client, and a scope the onboarding did not ask for', async () => {
    const wrong = await tokenRequest(stack.oauth, caPem, clientId, `${secrets[0]}x`, 'accounts');
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.body).error).toBe('invalid_client');
    const scope = await tokenRequest(stack.oauth, caPem, clientId, secrets[0] as string, 'payments');
    expect(JSON.parse(scope.body).error).toBe('invalid_scope');
  });

  it('rotates the secret: the old one works until the overlap ends, then only the new one', async () => {
    const rotated = await requestClient('oauth-1-rotate-0001');
    expect(rotated.statusCode).toBe(200);
    const secret = rotated.json().secret.value as string;
    secrets.push(secret);
    expect(secret).not.toBe(secrets[0]);
    expect(rotated.json().submission.artifact.previousSecretValidUntil).toEqual(expect.any(String));
    expect((await tokenRequest(stack.oauth, caPem, clientId, secrets[0] as string, 'accounts')).status).toBe(200);
    expect((await tokenRequest(stack.oauth, caPem, clientId, secret, 'accounts')).status).toBe(200);
    const until = Date.parse(rotated.json().submission.artifact.previousSecretValidUntil as string);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, until - Date.now()) + 500));
    const old = await tokenRequest(stack.oauth, caPem, clientId, secrets[0] as string, 'accounts');
    expect(JSON.parse(old.body).error).toBe('invalid_client');
    expect((await tokenRequest(stack.oauth, caPem, clientId, secret, 'accounts')).status).toBe(200);
  });

  it('refuses the secret sent in the body (client_secret_post) from a client registered for Basic', async () => {
    const answer = await httpsRequest(`${stack.oauth.issuer}/token`, {
      method: 'POST',
      ca: caPem,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'accounts',
        client_id: clientId,
        client_secret: secrets[1] as string,
      }).toString(),
    });
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.body).error).toBe('invalid_client');
    expect((await tokenRequest(stack.oauth, caPem, clientId, secrets[1] as string, 'accounts')).status).toBe(200);
  });

  it('moves the client to certificate-bound tokens when its participant asks for tls_client_auth: no secret works any more, the certificate does', async () => {
    const { issued, ...tls } = await hubSignedClient(new OpenSsl(), ca, db, participantId, 'OAuth One Ltd');
    const cert = new X509Certificate(issued.certificatePem);
    const moved = await requestClient('oauth-1-mtls-0001', { authMethod: 'tls_client_auth', tlsSubjectDn: subjectDnOf(cert) });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().submission.artifact).toMatchObject({ clientId, authMethod: 'tls_client_auth', secretPickup: null });
    expect(moved.json().secret).toBeUndefined();
    for (const secret of secrets) {
      expect([secret.slice(0, 4), JSON.parse((await tokenRequest(stack.oauth, caPem, clientId, secret, 'accounts')).body).error]).toEqual([
        secret.slice(0, 4),
        'invalid_client',
      ]);
    }
    const token = await tokenRequest(stack.oauth, caPem, clientId, null, 'accounts', tls);
    expect(token.status).toBe(200);
    const claims = await verifiedClaims(JSON.parse(token.body).access_token as string);
    expect(claims.cnf).toEqual({ 'x5t#S256': Buffer.from(cert.fingerprint256.replace(/:/g, ''), 'hex').toString('base64url') });
    // Asked again without naming a method: it stays certificate-bound (no silent return to a secret).
    const again = await requestClient('oauth-1-mtls-0002');
    expect(again.json().submission.artifact).toMatchObject({ authMethod: 'tls_client_auth', secretPickup: null });
  });

  it('revokes the client when the onboarding is cancelled: no secret gets a token', async () => {
    const cancelled = await app.inject({
      method: 'POST',
      url: `/onboardings/${participantId}/cancel`,
      headers: keys.as('otto@hub', 'operator'),
      payload: { reason: 'test of revocation' },
    });
    expect(cancelled.statusCode).toBe(202);
    await expect(stack.client.workflow.getHandle(onboardingWorkflowId(participantId)).result()).rejects.toThrow();
    for (const secret of secrets) {
      const answer = await tokenRequest(stack.oauth, caPem, clientId, secret, 'accounts');
      expect(JSON.parse(answer.body).error).toBe('invalid_client');
    }
  });

  it('gives a tls_client_auth client certificate-bound tokens with no secret at all', async () => {
    const { issued, ...tls } = await hubSignedClient(new OpenSsl(), ca, db, 'mtls-1', 'Mtls Pay Ltd');
    const cert = new X509Certificate(issued.certificatePem);
    const issuer = new RegistryCredentialIssuer(db, openSecretPickups(db, stack.dataDir));
    const client = await issuer.issue({
      participantId: 'mtls-1',
      environment: 'sandbox',
      scopes: ['accounts'],
      authMethod: 'tls_client_auth',
      tlsSubjectDn: subjectDnOf(cert),
      writeKey: 'test/mtls-1',
    });
    expect(client.secretPickup).toBeNull();
    const token = await tokenRequest(stack.oauth, caPem, client.clientId, null, 'accounts', tls);
    expect(token.status).toBe(200);
    const claims = await verifiedClaims(JSON.parse(token.body).access_token as string);
    expect(claims.cnf).toEqual({ 'x5t#S256': Buffer.from(cert.fingerprint256.replace(/:/g, ''), 'hex').toString('base64url') });
    const without = await tokenRequest(stack.oauth, caPem, client.clientId, null, 'accounts');
    expect(JSON.parse(without.body).error).toBe('invalid_client');
  });

  it('leaves no secret in any workflow history, worker log line or authorization-server output', async () => {
    const asText = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const events = (await stack.client.workflow.getHandle(onboardingWorkflowId(participantId)).fetchHistory()).events;
    const history = asText(events);
    // Every payload, decrypted with the stack's codec ring, as text (test/support/histories.ts).
    const payloads = await payloadText(events);
    // The scan reads real payloads: the client id the step issued is in them.
    expect(payloads).toContain(clientId);
    const logs = asText(capturedLogs());
    const stored = JSON.stringify(await db.selectFrom('oauthClients').selectAll().execute());
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) {
      expect(history).not.toContain(secret);
      expect(payloads).not.toContain(secret);
      expect(logs).not.toContain(secret);
      expect(authOutput.join('')).not.toContain(secret);
      expect(stored).not.toContain(secret);
    }
  });
});
