/**
 * The kit's cryptography against independent implementations: its FSPIOP signature is Mojaloop's
 * signer's byte for byte and passes Mojaloop's validator; its CA, server certificate, CSR and the
 * hub CSR it signs verify with the openssl CLI; the challenge signatures verify.
 */
import { createPublicKey, verify } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { compactVerify } from 'jose';
import {
  canonicalJson,
  challengeJws,
  challengeSignature,
  csrPem,
  fspiopSignature,
  holdsPrivateKey,
  issueLeaf,
  newPrivateKeyPem,
  oids,
  publicKeyPemOf,
  selfSignedCa,
  signCsr,
} from '../../../kit/crypto';
import { mojaloopJws, quietLogger } from '../../support/mojaloop-jws';
import { OpenSsl } from '../../support/openssl';

const ssl = new OpenSsl();

describe("the kit's cryptography", () => {
  it("signs FSPIOP requests exactly as Mojaloop's signer does, and Mojaloop's validator accepts them", async () => {
    const key = await newPrivateKeyPem();
    const date = new Date().toUTCString();
    const body = { party: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '221770000009', fspId: 'dfsp-x' } } };
    // Mojaloop serialises bodies with sorted keys; the kit sends and signs that form.
    const sent = canonicalJson(JSON.stringify(body));
    expect(sent).toBe('{"party":{"partyIdInfo":{"fspId":"dfsp-x","partyIdType":"MSISDN","partyIdentifier":"221770000009"}}}');
    const signature = await fspiopSignature(key, {
      uri: '/parties/MSISDN/221770000009',
      method: 'put',
      source: 'dfsp-x',
      date,
      body: sent,
    });
    const request = {
      method: 'PUT',
      url: 'https://hub.example/parties/MSISDN/221770000009',
      headers: { 'fspiop-source': 'dfsp-x', date, 'content-type': 'application/vnd.interoperability.parties+json;version=1.0' } as Record<
        string,
        string
      >,
      body,
    };
    new mojaloopJws.signer({ signingKey: key, logger: quietLogger }).sign(request);
    expect(request.body).toBe(sent);
    expect(JSON.parse(signature)).toEqual(JSON.parse(String(request.headers['fspiop-signature'])));
    const validator = new mojaloopJws.validator({ validationKeys: { 'dfsp-x': publicKeyPemOf(key) }, logger: quietLogger });
    expect(
      validator.validate({
        headers: {
          ...request.headers,
          'fspiop-uri': '/parties/MSISDN/221770000009',
          'fspiop-http-method': 'PUT',
          'fspiop-signature': signature,
        },
        body,
      }),
    ).toBe(true);
    // Another body: Mojaloop's validator refuses it.
    expect(() =>
      validator.validate({
        headers: {
          ...request.headers,
          'fspiop-uri': '/parties/MSISDN/221770000009',
          'fspiop-http-method': 'PUT',
          'fspiop-signature': signature,
        },
        body: { ...body, extra: 1 },
      }),
    ).toThrow(/invalid signature/);
    // The same body signed in its given key order: valid bytes, but Mojaloop's validator (sorted keys) refuses it — why the kit canonicalises.
    const unsorted = await fspiopSignature(key, {
      uri: '/parties/MSISDN/221770000009',
      method: 'PUT',
      source: 'dfsp-x',
      date,
      body: JSON.stringify(body),
    });
    expect(() =>
      validator.validate({
        headers: {
          ...request.headers,
          'fspiop-uri': '/parties/MSISDN/221770000009',
          'fspiop-http-method': 'PUT',
          'fspiop-signature': unsorted,
        },
        body,
      }),
    ).toThrow(/invalid signature/);
  });

  it("makes a CA, a server certificate for its hosts and a CSR that openssl verifies, and signs the hub's CSR for clientAuth", async () => {
    const dir = ssl.dir;
    const caKey = await newPrivateKeyPem();
    const ca = await selfSignedCa(caKey, { C: 'SN', O: 'Kit Bank', CN: 'Kit Bank Root CA' });
    const serverKey = await newPrivateKeyPem();
    const server = await issueLeaf(
      { keyPem: caKey, certPem: ca },
      serverKey,
      { C: 'SN', O: 'Kit Bank', CN: 'api.kit.example' },
      [oids.serverAuth],
      {
        dns: ['api.kit.example'],
        ips: ['203.0.113.7'],
      },
    );
    const file = (name: string, text: string) => {
      const f = path.join(dir, name);
      writeFileSync(f, text);
      return f;
    };
    expect(ssl.verify(file('kit-ca.pem', ca), file('kit-ca.pem', ca), file('kit-server.pem', server))).toMatchObject({ ok: true });
    const text = ssl.run(['x509', '-in', file('kit-server.pem', server), '-noout', '-text']);
    expect(text).toMatch(/Subject: C\s?=\s?SN, O\s?=\s?Kit Bank, CN\s?=\s?api\.kit\.example/);
    expect(text).toMatch(/DNS:api\.kit\.example, IP Address:203\.0\.113\.7/);
    expect(text).toContain('TLS Web Server Authentication');

    const clientKey = await newPrivateKeyPem();
    const csr = await csrPem(clientKey, { subject: { C: 'SN', O: 'Kit Bank', CN: 'dfsp-kit' }, purposes: [oids.clientAuth] });
    expect(ssl.run(['req', '-in', file('kit.csr', csr), '-noout', '-verify', '-subject'])).toMatch(
      /subject=C\s?=\s?SN, O\s?=\s?Kit Bank, CN\s?=\s?dfsp-kit/,
    );
    // The CSR carries the kit's public key, not the private one.
    expect(ssl.run(['req', '-in', file('kit.csr', csr), '-noout', '-pubkey'])).toBe(publicKeyPemOf(clientKey));

    // The hub's CSR (openssl-made here), signed by the kit's CA: a clientAuth certificate for the hub's key that chains to the CA.
    const hubKey = ssl.key('hub-client.key', 'rsa:2048');
    const hubCsr = ssl.csr('hub-client.csr', hubKey, '/C=GB/O=Test Hub/CN=hub-client-dfsp-kit');
    const hubCert = await signCsr({ keyPem: caKey, certPem: ca }, hubCsr, [oids.clientAuth]);
    expect(ssl.verify(file('kit-ca.pem', ca), file('kit-ca.pem', ca), file('hub-client.pem', hubCert))).toMatchObject({ ok: true });
    expect(ssl.run(['x509', '-in', file('hub-client.pem', hubCert), '-noout', '-text'])).toContain('TLS Web Client Authentication');
    // A CSR whose signature does not verify is not signed.
    const tampered = hubCsr.replace(/(\n[A-Za-z0-9+/]{10})[A-Za-z0-9+/]/, (_m, head: string) => `${head}A`);
    await expect(
      signCsr({ keyPem: caKey, certPem: ca }, tampered === hubCsr ? hubCsr.replace('M', 'N') : tampered, [oids.clientAuth]),
    ).rejects.toThrow();
    expect(readFileSync(hubKey, 'utf8')).toMatch(/PRIVATE KEY/);
  });

  it("proves possession: the JWS challenge verifies with the public key, the certificate challenge with openssl's algorithm", async () => {
    const key = await newPrivateKeyPem();
    const jws = await challengeJws(key, 'challenge-123');
    const { payload, protectedHeader } = await compactVerify(jws, createPublicKey(publicKeyPemOf(key)));
    expect([new TextDecoder().decode(payload), protectedHeader.alg]).toEqual(['challenge-123', 'RS256']);
    const raw = challengeSignature(key, 'challenge-456');
    expect(verify('sha256', Buffer.from('challenge-456'), createPublicKey(publicKeyPemOf(key)), Buffer.from(raw, 'base64'))).toBe(true);
  });

  it('recognises a private key in any PEM form', async () => {
    expect(holdsPrivateKey(await newPrivateKeyPem())).toBe(true);
    expect(holdsPrivateKey('-----BEGIN RSA PRIVATE KEY-----\nMII')).toBe(true);
    expect(holdsPrivateKey('-----BEGIN EC PRIVATE KEY-----')).toBe(true);
    expect(holdsPrivateKey('-----BEGIN ENCRYPTED PRIVATE KEY-----')).toBe(true);
    expect(holdsPrivateKey(publicKeyPemOf(await newPrivateKeyPem()))).toBe(false);
  });
});
