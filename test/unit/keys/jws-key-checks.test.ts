import { createPrivateKey } from 'node:crypto';
import { CompactSign, exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { checkJwsKey } from '../../../activities/keys/jws-key-checks';
import { OpenSsl } from '../../support/openssl';

const challenge = 'dfsp-a:jws-key@sandbox#1:0b4f2d9e-5f0e-4a57-9a55-3e1b1d2f7c10';
const sign = (text: string, key: Parameters<CompactSign['sign']>[0], alg: string) =>
  new CompactSign(new TextEncoder().encode(text)).setProtectedHeader({ alg }).sign(key);
const result = (report: { findings: { code: string; result: string }[] }, code: string) =>
  report.findings.find((f) => f.code === code)?.result;

describe('JWS key checks and proof of possession', () => {
  it('accepts an RSA 2048 key whose holder signed the challenge RS256, with its RFC 7638 kid', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const report = await checkJwsKey({
      keyPem: await exportSPKI(publicKey),
      challenge,
      challengeJws: await sign(challenge, privateKey, 'RS256'),
    });
    expect(report.blocking).toBe(false);
    expect(report.key).toMatchObject({ alg: 'RS256', kid: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), notAfter: null });
  });

  it('accepts an ES256 key given as an openssl certificate, with its validity', async () => {
    const ssl = new OpenSsl();
    const cert = ssl.selfSigned('jws-ec', 'ec:P-256', '/CN=dfsp-a JWS', [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
    ]);
    const { importPKCS8 } = await import('jose');
    const privateKey = await importPKCS8(ssl.run(['pkcs8', '-topk8', '-nocrypt', '-in', cert.keyFile]), 'ES256');
    const report = await checkJwsKey({ keyPem: cert.cert, challenge, challengeJws: await sign(challenge, privateKey, 'ES256') });
    expect(report.blocking).toBe(false);
    expect(report.key?.alg).toBe('ES256');
    expect(report.key?.notAfter).not.toBeNull();
  });

  it('refuses a proof signed by another key, over another text, or with the wrong alg', async () => {
    const mine = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const other = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const keyPem = await exportSPKI(mine.publicKey);
    for (const challengeJws of [
      await sign(challenge, other.privateKey, 'RS256'),
      await sign('something else', mine.privateKey, 'RS256'),
      await sign(challenge, createPrivateKey(await exportPKCS8(mine.privateKey)), 'RS384'),
      'not.a.jws',
    ]) {
      const report = await checkJwsKey({ keyPem, challenge, challengeJws });
      expect(result(report, 'JWS_POSSESSION_PROVEN')).toBe('fail');
      expect(report.blocking).toBe(true);
    }
  });

  it('refuses small RSA keys, other curves, private keys and a key another participant holds', async () => {
    // jose refuses to make a 1024-bit key: openssl makes it.
    const ssl = new OpenSsl();
    const smallKey = ssl.key('small.key', 'rsa:1024');
    expect(
      result(
        await checkJwsKey({ keyPem: ssl.run(['pkey', '-in', smallKey, '-pubout']), challenge, challengeJws: 'x' }),
        'JWS_KEY_ALGORITHM',
      ),
    ).toBe('fail');
    const p384 = await generateKeyPair('ES384', { extractable: true });
    expect(result(await checkJwsKey({ keyPem: await exportSPKI(p384.publicKey), challenge, challengeJws: 'x' }), 'JWS_KEY_ALGORITHM')).toBe(
      'fail',
    );
    const leaked = await checkJwsKey({ keyPem: await exportPKCS8(p384.privateKey), challenge, challengeJws: 'x' });
    expect(result(leaked, 'JWS_KEY_PARSES')).toBe('fail');
    const taken = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const report = await checkJwsKey({
      keyPem: await exportSPKI(taken.publicKey),
      challenge,
      challengeJws: await sign(challenge, taken.privateKey, 'RS256'),
      heldBy: async () => ['dfsp-b'],
    });
    expect(result(report, 'JWS_KEY_NOT_IN_USE')).toBe('fail');
  });
});
