/**
 * What the hub CA signs, as pkijs objects: names, the extensions of its profiles, the
 * TBSCertificate; the signature is OpenSSL's (node:crypto) over pkijs's TBS encoding. Two pkijs
 * defaults are wrong for a CA and are worked around here (README, PKI section): a
 * RelativeDistinguishedNames built from attributes encodes ONE multi-valued RDN
 * ("C = GB + O = … + CN = …"), and an RSA AlgorithmIdentifier without parameters omits the NULL
 * RFC 4055 requires.
 */
import { createHash, KeyObject, randomFillSync } from 'node:crypto';
import * as asn1js from 'asn1js';
import ipaddr from 'ipaddr.js';
import * as pkijs from 'pkijs';
import { decodeDer } from './strict-der';
import { oids } from './x509-model';

export interface NameSpec {
  CN: string;
  O?: string;
  C?: string;
}

/** A Name read back from DER: pkijs then re-emits exactly these bytes (an issuer's subject, copied into what it issues). */
export function nameFromDer(der: Uint8Array): pkijs.RelativeDistinguishedNames {
  return new pkijs.RelativeDistinguishedNames({ schema: decodeDer(der) });
}

/**
 * One attribute per RDN, in the order C, O, CN; C as PrintableString, the rest UTF8String. The
 * SEQUENCE of one-element SETs is built with asn1js and handed to pkijs as a decoded schema,
 * because `new RelativeDistinguishedNames({ typesAndValues })` puts them all in one SET.
 */
export function buildName(spec: NameSpec): pkijs.RelativeDistinguishedNames {
  const attributes: pkijs.AttributeTypeAndValue[] = [];
  if (spec.C) attributes.push(new pkijs.AttributeTypeAndValue({ type: '2.5.4.6', value: new asn1js.PrintableString({ value: spec.C }) }));
  if (spec.O) attributes.push(new pkijs.AttributeTypeAndValue({ type: '2.5.4.10', value: new asn1js.Utf8String({ value: spec.O }) }));
  attributes.push(new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: spec.CN }) }));
  const rdns = new asn1js.Sequence({ value: attributes.map((atv) => new asn1js.Set({ value: [atv.toSchema()] })) });
  return nameFromDer(new Uint8Array(rdns.toBER()));
}

/** 128 random bits, positive, never with a leading zero octet (PKI-NOTES B.9). */
export function randomSerial(): Uint8Array {
  const bytes = randomFillSync(new Uint8Array(16));
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x40;
  return bytes;
}

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING's value. */
export function keyIdentifier(spkiDer: Uint8Array): Uint8Array {
  const spki = new pkijs.PublicKeyInfo({ schema: decodeDer(spkiDer) });
  return createHash('sha1').update(spki.subjectPublicKey.valueBlock.valueHexView).digest();
}

const extension = (extnID: string, critical: boolean, value: { toBER(): ArrayBuffer } | { toSchema(): { toBER(): ArrayBuffer } }) =>
  new pkijs.Extension({ extnID, critical, extnValue: 'toSchema' in value ? value.toSchema().toBER() : value.toBER() });

/** The extensions the hub's profiles use. */
export const extensions = {
  basicConstraints(cA: boolean, pathLen?: number): pkijs.Extension {
    return extension(
      oids.basicConstraints,
      true,
      new pkijs.BasicConstraints(cA ? { cA, ...(pathLen === undefined ? {} : { pathLenConstraint: pathLen }) } : {}),
    );
  },
  /** keyUsage bits by number (0 digitalSignature … 8 decipherOnly), with the right unused-bit count. */
  keyUsage(bits: number[]): pkijs.Extension {
    const highest = Math.max(...bits);
    const octets = new Uint8Array(highest < 8 ? 1 : 2);
    for (const bit of bits) octets[bit >> 3] = (octets[bit >> 3] as number) | (0x80 >> (bit & 7));
    return extension(oids.keyUsage, true, new asn1js.BitString({ valueHex: octets, unusedBits: octets.length * 8 - 1 - highest }));
  },
  extKeyUsage(purposes: string[]): pkijs.Extension {
    return extension(oids.extKeyUsage, false, new pkijs.ExtKeyUsage({ keyPurposes: purposes }));
  },
  subjectKeyIdentifier(keyId: Uint8Array): pkijs.Extension {
    return extension(oids.subjectKeyIdentifier, false, new asn1js.OctetString({ valueHex: keyId }));
  },
  authorityKeyIdentifier(keyId: Uint8Array): pkijs.Extension {
    return extension(
      oids.authorityKeyIdentifier,
      false,
      new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: keyId }) }),
    );
  },
  subjectAltName(dns: string[], ips: string[]): pkijs.Extension {
    const altNames = [
      ...dns.map((value) => new pkijs.GeneralName({ type: 2, value })),
      ...ips.map(
        (ip) =>
          new pkijs.GeneralName({ type: 7, value: new asn1js.OctetString({ valueHex: new Uint8Array(ipaddr.parse(ip).toByteArray()) }) }),
      ),
    ];
    return extension(oids.subjectAltName, false, new pkijs.AltName({ altNames }));
  },
};

export interface CertificateTemplate {
  subject: pkijs.RelativeDistinguishedNames;
  /** SubjectPublicKeyInfo DER, copied as submitted. */
  spkiDer: Uint8Array;
  serial: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  extensions: pkijs.Extension[];
}

export interface SignatureAlgorithm {
  /** sha256WithRSAEncryption / ecdsa-with-SHA256 / ecdsa-with-SHA384. */
  oid: string;
  /** RSA only: the NULL parameters RFC 4055 requires (pkijs leaves them out unless given). */
  nullParams: boolean;
  /** The digest name for Node's crypto.sign. */
  hash: 'sha256' | 'sha384';
}

const rsaSha256: SignatureAlgorithm = { oid: '1.2.840.113549.1.1.11', nullParams: true, hash: 'sha256' };
const ecdsaSha256: SignatureAlgorithm = { oid: '1.2.840.10045.4.3.2', nullParams: false, hash: 'sha256' };
const ecdsaSha384: SignatureAlgorithm = { oid: '1.2.840.10045.4.3.3', nullParams: false, hash: 'sha384' };

/** RSA → sha256WithRSAEncryption with NULL parameters (RFC 4055); EC → ECDSA with the curve's hash, no parameters (RFC 5758). */
export function signatureAlgorithmFor(key: KeyObject): SignatureAlgorithm {
  if (key.asymmetricKeyType === 'rsa') return rsaSha256;
  if (key.asymmetricKeyType === 'ec') return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? ecdsaSha384 : ecdsaSha256;
  throw new TypeError(`unsupported CA key type ${key.asymmetricKeyType ?? 'unknown'}`);
}

const algorithmIdentifier = (algorithm: SignatureAlgorithm) =>
  new pkijs.AlgorithmIdentifier({ algorithmId: algorithm.oid, ...(algorithm.nullParams ? { algorithmParams: new asn1js.Null() } : {}) });

/** UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5), whole seconds (a fraction would be encoded). */
function time(value: Date): pkijs.Time {
  const seconds = new Date(Math.floor(value.getTime() / 1000) * 1000);
  return new pkijs.Time({
    type: seconds.getUTCFullYear() >= 2050 ? pkijs.TimeType.GeneralizedTime : pkijs.TimeType.UTCTime,
    value: seconds,
  });
}

/** An unsigned v3 certificate whose issuer is `issuer`, signed with `algorithm`. */
export function buildCertificate(
  template: CertificateTemplate,
  issuer: pkijs.RelativeDistinguishedNames,
  algorithm: SignatureAlgorithm,
): pkijs.Certificate {
  return new pkijs.Certificate({
    version: 2,
    serialNumber: new asn1js.Integer({ valueHex: template.serial }),
    signature: algorithmIdentifier(algorithm),
    issuer,
    notBefore: time(template.notBefore),
    notAfter: time(template.notAfter),
    subject: template.subject,
    subjectPublicKeyInfo: new pkijs.PublicKeyInfo({ schema: decodeDer(template.spkiDer) }),
    extensions: template.extensions,
    signatureAlgorithm: algorithmIdentifier(algorithm),
  });
}

/**
 * Signs `certificate` with `sign` (OpenSSL through node:crypto: ECDSA signatures arrive
 * DER-encoded, as X.509 wants them) and returns the certificate DER.
 */
export async function signCertificate(certificate: pkijs.Certificate, sign: (tbs: Uint8Array) => Promise<Uint8Array>): Promise<Uint8Array> {
  // The TBS schema is built once and encoded into both the signed bytes and the certificate:
  // pkijs's toSchema() would rebuild it (encodeTBS) or decode tbsView again, each as costly.
  const tbsSchema = certificate.encodeTBS();
  certificate.tbsView = new Uint8Array(tbsSchema.toBER());
  certificate.signatureValue = new asn1js.BitString({ valueHex: await sign(certificate.tbsView) });
  return new Uint8Array(
    new asn1js.Sequence({ value: [tbsSchema, certificate.signatureAlgorithm.toSchema(), certificate.signatureValue] }).toBER(),
  );
}
