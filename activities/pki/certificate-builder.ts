/**
 * Encodes what the hub CA signs: names, the extensions of its profiles, the TBSCertificate and
 * the signed certificate, straight to DER (der.ts). pkijs is not used here for two measured
 * reasons: it costs more than the RSA signature itself (see der.ts), and it gets two encodings
 * wrong for a CA — a fresh RelativeDistinguishedNames becomes ONE multi-valued RDN
 * ("C = GB + O = … + CN = …"), and RSA AlgorithmIdentifiers lose the NULL parameters RFC 4055
 * requires.
 */
import { createHash, KeyObject, randomFillSync } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { encode, readBitString, readRoot, sequenceOf } from './der';
import { oids } from './x509-model';

export interface NameSpec {
  CN: string;
  O?: string;
  C?: string;
}

/** One attribute per RDN, in the order C, O, CN; C as PrintableString, the rest UTF8String. */
export function encodeName(spec: NameSpec): Uint8Array {
  const rdn = (oid: string, value: Uint8Array) => encode.set(encode.sequence(encode.oid(oid), value));
  const rdns: Uint8Array[] = [];
  if (spec.C) rdns.push(rdn('2.5.4.6', encode.printableString(spec.C)));
  if (spec.O) rdns.push(rdn('2.5.4.10', encode.utf8String(spec.O)));
  rdns.push(rdn('2.5.4.3', encode.utf8String(spec.CN)));
  return encode.sequence(...rdns);
}

/** 128 random bits, positive, never with a leading zero octet (PKI-NOTES B.9). */
export function randomSerial(): Uint8Array {
  const bytes = randomFillSync(new Uint8Array(16));
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x40;
  return bytes;
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value. */
export function keyIdentifier(spkiDer: Uint8Array): Uint8Array {
  const [, keyBits] = sequenceOf(spkiDer, readRoot(spkiDer), 'subjectPublicKeyInfo');
  return createHash('sha1').update(readBitString(spkiDer, keyBits, 'subjectPublicKey').octets).digest();
}

const oidCache = new Map<string, Uint8Array>();
function oid(dotted: string): Uint8Array {
  let encoded = oidCache.get(dotted);
  if (encoded === undefined) {
    encoded = encode.oid(dotted);
    oidCache.set(dotted, encoded);
  }
  return encoded;
}

/** Extension ::= SEQUENCE { extnID, critical (only when TRUE: DER omits the default), extnValue }. */
function extension(extnId: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical
    ? encode.sequence(oid(extnId), encode.boolean(true), encode.octetString(value))
    : encode.sequence(oid(extnId), encode.octetString(value));
}

/** The extensions the hub's profiles use, each already wrapped as an Extension. */
export const extensions = {
  basicConstraints(cA: boolean, pathLen?: number): Uint8Array {
    const fields = cA ? [encode.boolean(true), ...(pathLen === undefined ? [] : [encode.smallInteger(pathLen)])] : [];
    return extension(oids.basicConstraints, true, encode.sequence(...fields));
  },
  /** keyUsage bits by number (0 digitalSignature … 8 decipherOnly), with the right unused-bit count. */
  keyUsage(bits: number[]): Uint8Array {
    const highest = Math.max(...bits);
    const octets = new Uint8Array(highest < 8 ? 1 : 2);
    for (const bit of bits) octets[bit >> 3] = (octets[bit >> 3] as number) | (0x80 >> (bit & 7));
    return extension(oids.keyUsage, true, encode.bitString(octets, octets.length * 8 - 1 - highest));
  },
  extKeyUsage(purposes: string[]): Uint8Array {
    return extension(oids.extKeyUsage, false, encode.sequence(...purposes.map(oid)));
  },
  subjectKeyIdentifier(keyId: Uint8Array): Uint8Array {
    return extension(oids.subjectKeyIdentifier, false, encode.octetString(keyId));
  },
  authorityKeyIdentifier(keyId: Uint8Array): Uint8Array {
    return extension(oids.authorityKeyIdentifier, false, encode.sequence(encode.implicitPrimitive(0, keyId)));
  },
  subjectAltName(dns: string[], ips: string[]): Uint8Array {
    const names = [
      ...dns.map((name) => encode.implicitPrimitive(2, Buffer.from(name, 'latin1'))),
      ...ips.map((ip) => encode.implicitPrimitive(7, new Uint8Array(ipaddr.parse(ip).toByteArray()))),
    ];
    return extension(oids.subjectAltName, false, encode.sequence(...names));
  },
};

export interface CertificateTemplate {
  /** The subject Name, DER (encodeName). */
  subject: Uint8Array;
  /** SubjectPublicKeyInfo DER, copied as submitted. */
  spkiDer: Uint8Array;
  serial: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** Encoded Extension SEQUENCEs (`extensions.*`). */
  extensions: Uint8Array[];
}

export interface SignatureAlgorithm {
  /** The AlgorithmIdentifier DER, used both inside the TBS and outside it. */
  identifier: Uint8Array;
  /** The digest name for Node's crypto.sign. */
  hash: 'sha256' | 'sha384';
}

const rsaSha256: SignatureAlgorithm = { identifier: encode.sequence(encode.oid('1.2.840.113549.1.1.11'), encode.null()), hash: 'sha256' };
const ecdsaSha256: SignatureAlgorithm = { identifier: encode.sequence(encode.oid('1.2.840.10045.4.3.2')), hash: 'sha256' };
const ecdsaSha384: SignatureAlgorithm = { identifier: encode.sequence(encode.oid('1.2.840.10045.4.3.3')), hash: 'sha384' };

/** RSA → sha256WithRSAEncryption with NULL parameters (RFC 4055); EC → ECDSA with the curve's hash, no parameters (RFC 5758). */
export function signatureAlgorithmFor(key: KeyObject): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return rsaSha256;
  if (key.asymmetricKeyType === 'ec') return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? ecdsaSha384 : ecdsaSha256;
  throw new Error(`unsupported CA key type ${key.asymmetricKeyType ?? 'unknown'}`);
}

/** TBSCertificate v3 (RFC 5280 4.1): the issuer Name is the issuer's subject, byte for byte. */
export function encodeTbs(template: CertificateTemplate, issuerName: Uint8Array, algorithm: SignatureAlgorithm): Uint8Array {
  return encode.sequence(
    encode.explicit(0, encode.smallInteger(2)),
    encode.unsignedInteger(template.serial),
    algorithm.identifier,
    issuerName,
    encode.sequence(encode.time(template.notBefore), encode.time(template.notAfter)),
    template.subject,
    template.spkiDer,
    encode.explicit(3, encode.sequence(...template.extensions)),
  );
}

/** Certificate ::= SEQUENCE { tbs, signatureAlgorithm, BIT STRING signature } (ECDSA signatures arrive DER-encoded from Node). */
export function encodeCertificate(tbs: Uint8Array, algorithm: SignatureAlgorithm, signature: Uint8Array): Uint8Array {
  return encode.sequence(tbs, algorithm.identifier, encode.bitString(signature));
}
