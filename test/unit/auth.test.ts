import { createServer, Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
import { ApiKeyFileError, createAuthenticator, hashApiKey, newApiKey, readApiKeyFile } from '../../api/auth';

describe('API keys', () => {
  it('authenticates a key by its hash only, and nothing else', async () => {
    const { key, entry } = newApiKey('ci-pipeline', ['operator', 'viewer']);
    expect(entry.hash).toBe(hashApiKey(key));
    expect(JSON.stringify(entry)).not.toContain(key.slice(4));
    const auth = createAuthenticator([entry]);
    expect(await auth.authenticate(key)).toMatchObject({ name: 'ci-pipeline', via: 'api-key', grants: new Set(['operator', 'viewer']) });
    expect(await auth.authenticate(`${key}x`)).toBeNull();
    expect(await auth.authenticate('obk_')).toBeNull();
  });

  it('reads a key file and refuses one that holds a key instead of its hash, naming the field', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'keys-'));
    const good = path.join(dir, 'good.json');
    const { entry } = newApiKey('alice', ['approver:legal']);
    writeFileSync(good, JSON.stringify({ keys: [entry] }));
    expect(await readApiKeyFile(good)).toEqual([entry]);
    expect(await readApiKeyFile(path.join(dir, 'missing.json'))).toEqual([]);
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ keys: [{ name: 'bob', grants: ['operator'], hash: 'obk_plain-key' }] }));
    await expect(readApiKeyFile(bad)).rejects.toThrow(ApiKeyFileError);
    await expect(readApiKeyFile(bad)).rejects.toThrow(/keys\.0\.hash/);
  });
});

describe('JWT access tokens against a JWKS served over HTTP', () => {
  let server: Server;
  let jwksUrl: string;
  let privateKey: CryptoKey;
  let otherKey: CryptoKey;

  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    jwksUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const settings = () => ({ issuer: 'https://idp.hub.example', audience: 'onboarding-api', jwksUrl, grantsClaim: 'grants' });
  const token = (claims: Record<string, unknown>, opts: { key?: CryptoKey; audience?: string; expiresIn?: string } = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('https://idp.hub.example')
      .setAudience(opts.audience ?? 'onboarding-api')
      .setSubject('lena@hub.example')
      .setIssuedAt()
      .setExpirationTime(opts.expiresIn ?? '5m')
      .sign(opts.key ?? privateKey);

  it('takes the principal from sub and the grants from the configured claim, dropping unknown grants', async () => {
    const auth = createAuthenticator([], settings());
    const principal = await auth.authenticate(await token({ grants: ['approver:legal', 'root', 'viewer'] }));
    expect(principal).toEqual({ name: 'lena@hub.example', via: 'jwt', grants: new Set(['approver:legal', 'viewer']) });
    expect((await auth.authenticate(await token({ grants: 'viewer operator' })))?.grants).toEqual(new Set(['viewer', 'operator']));
  });

  it('refuses a token for another audience, signed by another key, or expired', async () => {
    const auth = createAuthenticator([], settings());
    expect(await auth.authenticate(await token({ grants: ['viewer'] }, { audience: 'other-api' }))).toBeNull();
    expect(await auth.authenticate(await token({ grants: ['viewer'] }, { key: otherKey }))).toBeNull();
    expect(await auth.authenticate(await token({ grants: ['viewer'] }, { expiresIn: '-1m' }))).toBeNull();
  });

  it('ignores JWTs when no issuer is configured', async () => {
    expect(await createAuthenticator([]).authenticate(await token({ grants: ['viewer'] }))).toBeNull();
  });
});
