/**
 * PKCS#10 requests built with pkijs: an RSA-2048 key pair (WebCrypto) and its CSR signed SHA-256,
 * asking for the given key usages and names. What the hub makes for its own client keys and what
 * the participant kit makes on the participant's machine.
 */
import { KeyObject, webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';
import { buildName, extensions, NameSpec } from './certificate-builder';

const extensionRequestOid = '1.2.840.113549.1.9.14';
export const rsaSigning = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
} as const;

export interface CsrRequest {
  subject: NameSpec;
  /** extendedKeyUsage purposes (OIDs): clientAuth, serverAuth. */
  purposes: string[];
  /** subjectAltName entries, when the certificate needs names (a server). */
  sans?: { dns: string[]; ips: string[] };
}

export interface KeyAndCsr {
  privateKey: KeyObject;
  csrDer: Uint8Array;
  spkiDer: Uint8Array;
}

/** A new RSA-2048 key pair for signing. */
export async function newRsaKeyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(rsaSigning, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

/** The CSR of an existing pair (a renewal with the same key, or a key made earlier). */
export async function buildCsr(pair: webcrypto.CryptoKeyPair, request: CsrRequest): Promise<Uint8Array> {
  const csr = new pkijs.CertificationRequest();
  csr.version = 0;
  csr.subject = buildName(request.subject);
  await csr.subjectPublicKeyInfo.importKey(pair.publicKey);
  const requested = [extensions.keyUsage([0]), extensions.extKeyUsage(request.purposes)];
  if (request.sans && request.sans.dns.length + request.sans.ips.length > 0)
    requested.push(extensions.subjectAltName(request.sans.dns, request.sans.ips));
  csr.attributes = [
    new pkijs.Attribute({ type: extensionRequestOid, values: [new pkijs.Extensions({ extensions: requested }).toSchema()] }),
  ];
  await csr.sign(pair.privateKey, 'SHA-256');
  return new Uint8Array(csr.toSchema().toBER());
}

/** A new key pair and its CSR. */
export async function makeKeyAndCsr(request: CsrRequest): Promise<KeyAndCsr> {
  const pair = await newRsaKeyPair();
  const csrDer = await buildCsr(pair, request);
  const spkiDer = new Uint8Array(await webcrypto.subtle.exportKey('spki', pair.publicKey));
  return { privateKey: KeyObject.from(pair.privateKey), csrDer, spkiDer };
}
