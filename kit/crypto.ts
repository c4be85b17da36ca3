/**
 * The participant's cryptography, on the participant's machine: its keys (never sent), CSRs, its
 * own CA (root) that issues its server certificate and signs the hub's CSR, the challenges signed
 * for the hub, and FSPIOP's JWS. pkijs builds the X.509 structures, node:crypto (OpenSSL) signs,
 * jose makes the JWS.
 */
import { createPrivateKey, createPublicKey, KeyObject, sign, webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';
import { CompactSign, FlattenedSign, importPKCS8 } from 'jose';
import stableStringify from 'safe-stable-stringify';
import {
  buildCertificate,
  extensions,
  keyIdentifier,
  nameFromDer,
  randomSerial,
  signatureAlgorithmFor,
  signCertificate,
  buildName,
  type NameSpec,
} from '../activities/pki/certificate-builder';
import { buildCsr, newRsaKeyPair, rsaSigning, type CsrRequest } from '../activities/pki/csr-builder';
import { scanPem, toPem } from '../activities/pki/pem';
import { decodeDer } from '../activities/pki/strict-der';
import { oids } from '../activities/pki/x509-model';

export { oids };
export type { NameSpec };

/** A new RSA-2048 private key as PKCS#8 PEM. */
export async function newPrivateKeyPem(): Promise<string> {
  const pair = await newRsaKeyPair();
  return toPem('PRIVATE KEY', new Uint8Array(await webcrypto.subtle.exportKey('pkcs8', pair.privateKey)));
}

function pemDer(pem: string, label: string): Uint8Array {
  const block = scanPem(pem).blocks.find((b) => b.label === label);
  if (!block) throw new Error(`no ${label} in the PEM`);
  return block.der;
}

export function spkiDerOf(privateKeyPem: string): Uint8Array {
  return new Uint8Array(createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'der' }));
}

export function publicKeyPemOf(privateKeyPem: string): string {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
}

/** A CSR for an existing key (the key stays where it is). */
export async function csrPem(privateKeyPem: string, request: CsrRequest): Promise<string> {
  const privateKey = await webcrypto.subtle.importKey('pkcs8', pemDer(privateKeyPem, 'PRIVATE KEY'), rsaSigning, true, ['sign']);
  const publicKey = await webcrypto.subtle.importKey('spki', spkiDerOf(privateKeyPem), rsaSigning, true, ['verify']);
  return toPem('CERTIFICATE REQUEST', await buildCsr({ privateKey, publicKey }, request));
}

const day = 86_400_000;

async function issue(
  issuer: { keyPem: string; certPem: string | null },
  subject: pkijs.RelativeDistinguishedNames,
  spkiDer: Uint8Array,
  profile: { ca: boolean; purposes: string[]; sans?: { dns: string[]; ips: string[] }; days: number },
): Promise<string> {
  const key: KeyObject = createPrivateKey(issuer.keyPem);
  const issuerSpki = spkiDerOf(issuer.keyPem);
  const issuerName = issuer.certPem === null ? subject : nameFromDer(subjectDerOf(issuer.certPem));
  const exts = [
    extensions.basicConstraints(profile.ca, profile.ca ? 0 : undefined),
    extensions.keyUsage(profile.ca ? [5, 6] : [0, 2]),
    extensions.subjectKeyIdentifier(keyIdentifier(spkiDer)),
    extensions.authorityKeyIdentifier(keyIdentifier(issuerSpki)),
  ];
  if (profile.purposes.length > 0) exts.push(extensions.extKeyUsage(profile.purposes));
  if (profile.sans && profile.sans.dns.length + profile.sans.ips.length > 0)
    exts.push(extensions.subjectAltName(profile.sans.dns, profile.sans.ips));
  const now = Date.now();
  const algorithm = signatureAlgorithmFor(key);
  const certificate = buildCertificate(
    {
      subject,
      spkiDer,
      serial: randomSerial(),
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + profile.days * day),
      extensions: exts,
    },
    issuerName,
    algorithm,
  );
  const der = await signCertificate(certificate, async (tbs) => new Uint8Array(sign(algorithm.hash, tbs, key)));
  return toPem('CERTIFICATE', der);
}

function subjectDerOf(certPem: string): Uint8Array {
  const cert = new pkijs.Certificate({ schema: decodeDer(pemDer(certPem, 'CERTIFICATE')) });
  return new Uint8Array(cert.subject.toSchema().toBER());
}

/** The participant's own root CA (ten years), self-signed. */
export function selfSignedCa(caKeyPem: string, subject: NameSpec): Promise<string> {
  return issue({ keyPem: caKeyPem, certPem: null }, buildName(subject), spkiDerOf(caKeyPem), { ca: true, purposes: [], days: 3650 });
}

/** A leaf from the participant's CA for one of its own keys (its server certificate, a TPP's client certificate). */
export function issueLeaf(
  ca: { keyPem: string; certPem: string },
  leafKeyPem: string,
  subject: NameSpec,
  purposes: string[],
  sans?: { dns: string[]; ips: string[] },
): Promise<string> {
  return issue(ca, buildName(subject), spkiDerOf(leafKeyPem), { ca: false, purposes, ...(sans ? { sans } : {}), days: 397 });
}

/** Signs someone else's CSR (the hub's, for its calls to the participant) with the participant's CA, after checking its signature. */
export async function signCsr(ca: { keyPem: string; certPem: string }, requestPem: string, purposes: string[]): Promise<string> {
  const csr = new pkijs.CertificationRequest({ schema: decodeDer(pemDer(requestPem, 'CERTIFICATE REQUEST')) });
  if (!(await csr.verify())) throw new Error("the CSR signature does not verify: it was altered or is not the hub's");
  const spkiDer = new Uint8Array(csr.subjectPublicKeyInfo.toSchema().toBER());
  return issue(ca, nameFromDer(new Uint8Array(csr.subject.toSchema().toBER())), spkiDer, { ca: false, purposes, days: 397 });
}

/** The hub's proof-of-possession challenge for a JWS key: a compact JWS (RS256) over it. */
export async function challengeJws(privateKeyPem: string, challenge: string): Promise<string> {
  return new CompactSign(new TextEncoder().encode(challenge))
    .setProtectedHeader({ alg: 'RS256' })
    .sign(await importPKCS8(privateKeyPem, 'RS256'));
}

/** The hub's challenge for a certificate's key: SHA-256 with RSA over it, base64 (`openssl dgst -sha256 -sign`). */
export function challengeSignature(privateKeyPem: string, challenge: string): string {
  return sign('sha256', Buffer.from(challenge, 'utf8'), createPrivateKey(privateKeyPem)).toString('base64');
}

/**
 * Mojaloop's FSPIOP-Signature: a JWS over the exact body whose protected header states the URI,
 * method, source (and destination, date) — `{ signature, protectedHeader }` as the header value.
 */
export async function fspiopSignature(
  privateKeyPem: string,
  request: { uri: string; method: string; source: string; destination?: string; date: string; body: string },
): Promise<string> {
  const protectedHeader = {
    alg: 'RS256',
    'FSPIOP-URI': request.uri,
    'FSPIOP-HTTP-Method': request.method.toUpperCase(),
    'FSPIOP-Source': request.source,
    ...(request.destination ? { 'FSPIOP-Destination': request.destination } : {}),
    Date: request.date,
  };
  const jws = await new FlattenedSign(new TextEncoder().encode(request.body))
    .setProtectedHeader(protectedHeader)
    .sign(await importPKCS8(privateKeyPem, 'RS256'));
  return JSON.stringify({ signature: jws.signature, protectedHeader: jws.protected });
}

/**
 * A JSON body as Mojaloop signs and validates it: keys sorted (safe-stable-stringify, as its
 * JwsSigner and JwsValidator serialise). A body sent in another key order verifies at the hub's
 * edge (it checks the exact bytes) but fails a peer SDK's validator.
 */
export function canonicalJson(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`the body is not JSON: ${(err as Error).message}`);
  }
  return stableStringify(value) ?? 'null';
}

/** Whether a text holds a private key in any PEM form: what the kit never sends. */
export function holdsPrivateKey(text: string): boolean {
  return /-----BEGIN (?:[A-Z0-9 ]+ )?PRIVATE KEY-----/.test(text);
}
