/**
 * The edge's checks on real keys: FSPIOP requests signed by Mojaloop's own JwsSigner
 * (@mojaloop/sdk-standard-components), and access tokens signed ES256 and verified through a JWKS.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey as KeyLike } from 'jose';
import { certificateThumbprint, verifyAccessToken, type TokenVerifier } from '../../../edge/verifier/access-token';
import { EdgeRefusal } from '../../../edge/verifier/fspiop-errors';
import { verificationKeys, verifyFspiopRequest, type FspiopRequest } from '../../../edge/verifier/fspiop-signature';
import { OpenSsl } from '../../support/openssl';
import { mojaloopJws, quietLogger, type MojaloopRequest } from '../../support/mojaloop-jws';

const rsa = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const alpha = rsa();
const beta = rsa();

/** A PUT /parties as Mojaloop's SDK signs it, as the edge receives it. */
function signedPut(signingKey: string, source = 'dfsp-alpha'): FspiopRequest {
  const request: MojaloopRequest = {
    method: 'PUT',
    url: 'https://hub.example/parties/MSISDN/221770000001',
    headers: { 'fspiop-source': source, 'fspiop-destination': 'payerfsp', date: 'Wed, 02 Dec 2026 10:00:00 GMT' },
    body: { party: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '221770000001', fspId: source } } },
  };
  new mojaloopJws.signer({ signingKey, logger: quietLogger }).sign(request);
  return { method: 'PUT', path: '/parties/MSISDN/221770000001', headers: request.headers, body: Buffer.from(String(request.body)) };
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof EdgeRefusal) return `${err.code} ${err.fspiopBody().errorInformation.errorCode}`;
    throw err;
  }
  return 'admitted';
}

describe('FSPIOP rules at the edge', () => {
  const keys = verificationKeys([alpha.publicKey]);

  it("admits a request Mojaloop's JwsSigner signed with the participant's live key", async () => {
    await expect(verifyFspiopRequest(signedPut(alpha.privateKey), 'dfsp-alpha', keys)).resolves.toBeUndefined();
    // During a rotation the previous key still verifies.
    await expect(
      verifyFspiopRequest(signedPut(beta.privateKey), 'dfsp-alpha', verificationKeys([beta.publicKey, alpha.publicKey])),
    ).resolves.toBeUndefined();
  });

  it('refuses a spoofed FSPIOP-Source, a tampered body, an unsigned POST and another participant’s key, with Mojaloop codes', async () => {
    expect(await refusal(verifyFspiopRequest(signedPut(alpha.privateKey, 'dfsp-beta'), 'dfsp-alpha', keys))).toBe(
      'FSPIOP_SOURCE_MISMATCH 3100',
    );
    const tampered = signedPut(alpha.privateKey);
    tampered.body = Buffer.from(tampered.body.toString().replace('221770000001', '221770000002'));
    expect(await refusal(verifyFspiopRequest(tampered, 'dfsp-alpha', keys))).toBe('FSPIOP_SIGNATURE_INVALID 3105');
    const unsigned = signedPut(alpha.privateKey);
    delete unsigned.headers['fspiop-signature'];
    expect(await refusal(verifyFspiopRequest(unsigned, 'dfsp-alpha', keys))).toBe('FSPIOP_HEADER_MISSING 3102');
    expect(await refusal(verifyFspiopRequest(signedPut(beta.privateKey), 'dfsp-alpha', keys))).toBe('FSPIOP_SIGNATURE_INVALID 3105');
    const noSource = signedPut(alpha.privateKey);
    delete noSource.headers['fspiop-source'];
    expect(await refusal(verifyFspiopRequest(noSource, 'dfsp-alpha', keys))).toBe('FSPIOP_HEADER_MISSING 3102');
  });

  it('refuses a signature replayed on another resource or method, and a Date that differs from the signed one', async () => {
    const elsewhere = signedPut(alpha.privateKey);
    elsewhere.path = '/parties/MSISDN/999';
    expect(await refusal(verifyFspiopRequest(elsewhere, 'dfsp-alpha', keys))).toBe('FSPIOP_SIGNATURE_INVALID 3105');
    const post = signedPut(alpha.privateKey);
    post.method = 'POST';
    expect(await refusal(verifyFspiopRequest(post, 'dfsp-alpha', keys))).toBe('FSPIOP_SIGNATURE_INVALID 3105');
    const redated = signedPut(alpha.privateKey);
    redated.headers.date = 'Thu, 03 Dec 2026 10:00:00 GMT';
    expect(await refusal(verifyFspiopRequest(redated, 'dfsp-alpha', keys))).toBe('FSPIOP_SIGNATURE_INVALID 3105');
  });

  it('checks only FSPIOP-Source on a bodiless GET, as Mojaloop signs no GET', async () => {
    const get: FspiopRequest = {
      method: 'GET',
      path: '/parties/MSISDN/1',
      headers: { 'fspiop-source': 'dfsp-alpha' },
      body: Buffer.alloc(0),
    };
    await expect(verifyFspiopRequest(get, 'dfsp-alpha', keys)).resolves.toBeUndefined();
    expect(await refusal(verifyFspiopRequest({ ...get, headers: { 'fspiop-source': 'dfsp-beta' } }, 'dfsp-alpha', keys))).toBe(
      'FSPIOP_SOURCE_MISMATCH 3100',
    );
  });
});

describe('the access token at the edge', () => {
  const ssl = new OpenSsl();
  const mine = ssl.selfSigned('edge-client', 'rsa:2048', '/C=SN/O=Alpha/CN=dfsp-alpha');
  const theirs = ssl.selfSigned('edge-other', 'rsa:2048', '/C=SN/O=Beta/CN=dfsp-beta');
  const clients: Record<string, { participantId: string; environment: string; certificateBound: boolean }> = {
    'alpha-sandbox': { participantId: 'dfsp-alpha', environment: 'sandbox', certificateBound: false },
    'alpha-bound': { participantId: 'dfsp-alpha', environment: 'sandbox', certificateBound: true },
    'beta-sandbox': { participantId: 'dfsp-beta', environment: 'sandbox', certificateBound: false },
  };
  let signingKey: KeyLike;
  let otherKey: KeyLike;
  let verifier: TokenVerifier;
  beforeAll(async () => {
    const pair = await generateKeyPair('ES256');
    signingKey = pair.privateKey;
    otherKey = (await generateKeyPair('ES256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
    verifier = {
      issuer: 'https://127.0.0.1:9100',
      audience: (environment) => `https://hub.local/api/${environment}`,
      jwks: createLocalJWKSet({ keys: [jwk] }),
      client: async (id) => clients[id] ?? null,
    };
  });

  const token = (claims: Record<string, unknown>, opts: { key?: KeyLike; aud?: string; exp?: string | number } = {}) =>
    new SignJWT({ client_id: 'alpha-sandbox', scope: 'fspiop', ...claims })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setIssuer('https://127.0.0.1:9100')
      .setAudience(opts.aud ?? 'https://hub.local/api/sandbox')
      .setIssuedAt()
      .setExpirationTime(opts.exp ?? '5m')
      .sign(opts.key ?? signingKey);
  const check = async (authorization: string | undefined, over: { certificatePem?: string; environment?: string; scope?: string } = {}) =>
    refusal(
      verifyAccessToken(
        {
          authorization,
          participantId: 'dfsp-alpha',
          environment: over.environment ?? 'sandbox',
          certificatePem: over.certificatePem ?? mine.cert,
          scope: over.scope ?? 'fspiop',
        },
        verifier,
      ),
    );

  it('admits a valid token of the participant’s own client with the route’s scope', async () => {
    expect(await check(`Bearer ${await token({})}`)).toBe('admitted');
  });

  it('refuses no token, garbage, another signer, an expired token and the other environment’s audience', async () => {
    expect(await check(undefined)).toBe('TOKEN_MISSING 3000');
    expect(await check('Bearer not-a-token')).toBe('TOKEN_INVALID 3000');
    expect(await check(`Bearer ${await token({}, { key: otherKey })}`)).toBe('TOKEN_INVALID 3000');
    expect(await check(`Bearer ${await token({}, { exp: Math.floor(Date.now() / 1000) - 60 })}`)).toBe('TOKEN_INVALID 3000');
    expect(await check(`Bearer ${await token({}, { aud: 'https://hub.local/api/production' })}`)).toBe('TOKEN_INVALID 3000');
    expect(await check(`Bearer ${await token({})}`, { environment: 'production' })).toBe('TOKEN_INVALID 3000');
  });

  it('refuses another participant’s token, a missing scope, and an unbound or wrongly bound token for a certificate-bound client', async () => {
    expect(await check(`Bearer ${await token({ client_id: 'beta-sandbox' })}`)).toBe('TOKEN_CLIENT_MISMATCH 3000');
    expect(await check(`Bearer ${await token({ client_id: 'unknown' })}`)).toBe('TOKEN_CLIENT_MISMATCH 3000');
    expect(await check(`Bearer ${await token({ scope: 'payments' })}`)).toBe('TOKEN_SCOPE_MISSING 3000');
    expect(await check(`Bearer ${await token({ client_id: 'alpha-bound' })}`)).toBe('TOKEN_NOT_BOUND 3000');
    const bound = await token({ client_id: 'alpha-bound', cnf: { 'x5t#S256': certificateThumbprint(mine.cert) } });
    expect(await check(`Bearer ${bound}`)).toBe('admitted');
    expect(await check(`Bearer ${bound}`, { certificatePem: theirs.cert })).toBe('TOKEN_NOT_BOUND 3000');
  });

  it('computes the RFC 8705 thumbprint as openssl does (SHA-256 of the DER)', () => {
    ssl.run(['x509', '-in', ssl.write('thumb.pem', mine.cert), '-outform', 'DER', '-out', 'thumb.der']);
    const hex = /= ([0-9a-f]{64})/.exec(ssl.run(['dgst', '-sha256', 'thumb.der']))?.[1] ?? '';
    expect(certificateThumbprint(mine.cert)).toBe(Buffer.from(hex, 'hex').toString('base64url'));
  });
});
