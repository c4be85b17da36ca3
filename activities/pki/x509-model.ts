/**
 * Reads certificates and CSRs into plain views the checks read, with the strict DER reader in
 * der.ts (pkijs is the reference it is tested against, not the hot path: see der.ts). Every parse
 * failure becomes a PkiInputError with a stable code; nothing here trusts the input.
 */
import { createHash } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { DomainError } from '../domain-error';
import {
  children,
  context,
  DerError,
  expectTag,
  readBitString,
  readBoolean,
  readIa5,
  readIntegerBytes,
  readOctetAlignedBits,
  readOid,
  readRoot,
  readSmallInteger,
  readString,
  readTime,
  readTlv,
  sequenceOf,
  tags,
  Tlv,
  TrailingDataError,
  whole,
} from './der';
import { LruCache } from './lru-cache';
import { verifySignature } from './signature-verify';

export type PkiInputErrorCode = 'DER_INVALID' | 'DER_TRAILING_DATA' | 'DER_NOT_CANONICAL' | 'NOT_A_CERTIFICATE' | 'NOT_A_CSR';

export class PkiInputError extends DomainError<PkiInputErrorCode> {}

export const oids = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  rsaPss: '1.2.840.113549.1.1.10',
  mgf1: '1.2.840.113549.1.1.8',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  authorityKeyIdentifier: '2.5.29.35',
  extensionRequest: '1.2.840.113549.1.9.14',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  anyExtendedKeyUsage: '2.5.29.37.0',
} as const;

const signatureAlgorithms: Record<string, { hash: string; family: 'RSA' | 'ECDSA' | 'EdDSA' }> = {
  '1.2.840.113549.1.1.4': { hash: 'MD5', family: 'RSA' },
  '1.2.840.113549.1.1.5': { hash: 'SHA-1', family: 'RSA' },
  '1.2.840.113549.1.1.14': { hash: 'SHA-224', family: 'RSA' },
  '1.2.840.113549.1.1.11': { hash: 'SHA-256', family: 'RSA' },
  '1.2.840.113549.1.1.12': { hash: 'SHA-384', family: 'RSA' },
  '1.2.840.113549.1.1.13': { hash: 'SHA-512', family: 'RSA' },
  '1.2.840.10045.4.1': { hash: 'SHA-1', family: 'ECDSA' },
  '1.2.840.10045.4.3.1': { hash: 'SHA-224', family: 'ECDSA' },
  '1.2.840.10045.4.3.2': { hash: 'SHA-256', family: 'ECDSA' },
  '1.2.840.10045.4.3.3': { hash: 'SHA-384', family: 'ECDSA' },
  '1.2.840.10045.4.3.4': { hash: 'SHA-512', family: 'ECDSA' },
  '1.3.101.112': { hash: 'EdDSA', family: 'EdDSA' },
};

const hashOids: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1',
  '2.16.840.1.101.3.4.2.1': 'SHA-256',
  '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

const curves: Record<string, string> = {
  '1.2.840.10045.3.1.7': 'P-256',
  '1.3.132.0.34': 'P-384',
  '1.3.132.0.35': 'P-521',
};

const nameTypes: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.5': 'serialNumber',
  '2.5.4.97': 'organizationIdentifier',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** Extensions we understand; any other marked critical fails NO_UNKNOWN_CRITICAL_EXTENSION. */
const knownExtensions = new Set<string>([
  oids.basicConstraints,
  oids.keyUsage,
  oids.extKeyUsage,
  oids.subjectAltName,
  oids.subjectKeyIdentifier,
  oids.authorityKeyIdentifier,
  '2.5.29.32', // certificatePolicies
  '2.5.29.31', // cRLDistributionPoints
  '2.5.29.30', // nameConstraints
  '2.5.29.36', // policyConstraints
  '2.5.29.54', // inhibitAnyPolicy
  '2.5.29.18', // issuerAltName
  '1.3.6.1.5.5.7.1.1', // authorityInfoAccess
  '1.3.6.1.5.5.7.1.3', // qcStatements
]);

export const keyUsageNames = [
  'digitalSignature',
  'nonRepudiation',
  'keyEncipherment',
  'dataEncipherment',
  'keyAgreement',
  'keyCertSign',
  'cRLSign',
  'encipherOnly',
  'decipherOnly',
] as const;
export type KeyUsageName = (typeof keyUsageNames)[number];

export interface KeyView {
  algorithm: 'RSA' | 'EC' | 'Ed25519' | 'unknown';
  oid: string;
  rsaBits: number | null;
  rsaExponent: number | null;
  curve: string | null;
  /** sha256 of the SubjectPublicKeyInfo DER: the key's identity across CSRs and certificates. */
  spkiSha256: string;
}

export interface NameView {
  attributes: { type: string; oid: string; value: string }[];
  text: string;
}

export interface ExtensionsView {
  basicConstraints: { cA: boolean; pathLen: number | null; critical: boolean } | null;
  keyUsage: { usages: KeyUsageName[]; critical: boolean } | null;
  extKeyUsage: string[] | null;
  sanDns: string[];
  sanIps: string[];
  subjectKeyId: string | null;
  authorityKeyId: string | null;
  unknownCritical: string[];
  duplicated: string[];
}

export interface SignatureView {
  oid: string;
  hash: string | null;
  family: 'RSA' | 'ECDSA' | 'EdDSA' | 'RSA-PSS' | 'unknown';
  /** RSA-PSS only: the salt length the parameters state (RFC 4055 default 20). */
  pssSaltLength?: number;
}

export interface CertificateView {
  der: Uint8Array;
  /** The signed part and its signature, for verification. */
  tbs: Uint8Array;
  signatureValue: Uint8Array;
  spkiDer: Uint8Array;
  /** The subject Name as encoded: an issuer copies it byte for byte into what it issues. */
  subjectDer: Uint8Array;
  sha256: string;
  version: number;
  subject: NameView;
  issuer: NameView;
  serialHex: string;
  serialNegative: boolean;
  serialOctets: number;
  notBefore: Date;
  notAfter: Date;
  key: KeyView;
  signature: SignatureView;
  /** Outer signatureAlgorithm equals the TBS `signature` field, byte for byte (RFC 5280 4.1.1.2). */
  signatureAlgorithmsMatch: boolean;
  ext: ExtensionsView;
}

export interface CsrView {
  der: Uint8Array;
  tbs: Uint8Array;
  signatureValue: Uint8Array;
  spkiDer: Uint8Array;
  sha256: string;
  subject: NameView;
  key: KeyView;
  signature: SignatureView;
  requested: ExtensionsView;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function hex(view: Uint8Array): string {
  return Buffer.from(view.buffer, view.byteOffset, view.length).toString('hex');
}

const maxNesting = 64;

/** Every constructed TLV down the tree is well formed DER (strings inside OCTET STRINGs are read later). */
function assertWellFormed(bytes: Uint8Array, parent: Tlv, depth: number): void {
  if (depth > maxNesting) throw new DerError('invalid', `nested deeper than ${maxNesting} levels`);
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const child = readTlv(bytes, offset, parent.end);
    if ((child.tag & 0x20) !== 0) assertWellFormed(bytes, child, depth + 1);
    offset = child.end;
  }
}

type StructureCode = 'NOT_A_CERTIFICATE' | 'NOT_A_CSR';

/**
 * Reads `der` with `read`: bytes that are not DER are DER_INVALID / DER_TRAILING_DATA /
 * DER_NOT_CANONICAL; DER that is not the expected structure is `code`.
 */
function readStructure<T>(der: Uint8Array, code: StructureCode, read: (root: Tlv) => T): T {
  let wellFormed = false;
  try {
    const root = readRoot(der);
    if ((root.tag & 0x20) !== 0) assertWellFormed(der, root, 1);
    wellFormed = true;
    return read(root);
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    const detail = { error: err.message };
    if (!wellFormed && err instanceof TrailingDataError) {
      throw new PkiInputError('DER_TRAILING_DATA', 'The DER object is followed by extra bytes', false, { trailingBytes: err.trailingBytes });
    }
    if (err.problem === 'not-canonical') throw new PkiInputError('DER_NOT_CANONICAL', `The data is BER, not DER: ${err.message}`, false, detail);
    if (!wellFormed) throw new PkiInputError('DER_INVALID', 'The data is not valid DER', false, detail);
    const what = code === 'NOT_A_CSR' ? 'The data is not a readable PKCS#10 certification request' : 'The data is not a readable X.509 certificate';
    throw new PkiInputError(code, `${what}: ${err.message}`, false, detail);
  }
}

function readName(der: Uint8Array, tlv: Tlv | undefined, what: string): NameView {
  const attributes: NameView['attributes'] = [];
  for (const rdn of sequenceOf(der, tlv, what)) {
    for (const atv of sequenceOf(der, rdn, `${what} RDN`, tags.set)) {
      const [typeT, valueT, ...extra] = sequenceOf(der, atv, `${what} attribute`);
      if (valueT === undefined || extra.length > 0) throw new DerError('invalid', `${what}: attribute is not a type and a value`);
      const oid = readOid(der, typeT, `${what} attribute type`);
      const value = readString(der, valueT);
      const type = nameTypes[oid];
      // The attributes the checks read are directory strings; anything else there is malformed.
      if (value === null && type !== undefined) throw new DerError('invalid', `${what} ${type} is not a string (tag 0x${valueT.tag.toString(16)})`);
      attributes.push({ type: type ?? oid, oid, value: value ?? '' });
    }
  }
  return { attributes, text: attributes.map((a) => `${a.type}=${a.value}`).join(', ') };
}

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i] as number));
}

function readAlgorithm(der: Uint8Array, tlv: Tlv | undefined, what: string): { oid: string; params: Tlv | undefined } {
  const [oidT, params, ...extra] = sequenceOf(der, tlv, what);
  if (extra.length > 0) throw new DerError('invalid', `${what}: unexpected fields`);
  return { oid: readOid(der, oidT, what), params };
}

function readKey(der: Uint8Array, tlv: Tlv | undefined): KeyView & { spkiDer: Uint8Array } {
  const [algT, keyT, ...extra] = sequenceOf(der, tlv, 'subjectPublicKeyInfo');
  if (extra.length > 0) throw new DerError('invalid', 'subjectPublicKeyInfo: unexpected fields');
  const { oid, params } = readAlgorithm(der, algT, 'public key algorithm');
  const keyBits = readBitString(der, keyT, 'subjectPublicKey').octets;
  const spkiDer = whole(der, tlv as Tlv);
  const view: KeyView & { spkiDer: Uint8Array } = {
    algorithm: 'unknown',
    oid,
    rsaBits: null,
    rsaExponent: null,
    curve: null,
    spkiSha256: sha256Hex(spkiDer),
    spkiDer,
  };
  if (oid === oids.rsaEncryption) {
    view.algorithm = 'RSA';
    try {
      // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }; unreadable → sizes unknown (KEY_SIZE_MIN fails).
      const rsa = readRoot(keyBits);
      const [n, e, ...more] = sequenceOf(keyBits, rsa, 'RSAPublicKey');
      if (more.length === 0) {
        const modulus = readIntegerBytes(keyBits, n, 'modulus');
        if (((modulus[0] as number) & 0x80) !== 0) throw new DerError('invalid', 'negative RSA modulus');
        const bits = bitLength(modulus);
        view.rsaExponent = readSmallInteger(keyBits, e, 'publicExponent');
        view.rsaBits = bits;
      }
    } catch (err) {
      if (!(err instanceof DerError)) throw err;
    }
  } else if (oid === oids.ecPublicKey) {
    view.algorithm = 'EC';
    const curveOid = params?.tag === tags.oid ? readOid(der, params, 'named curve') : '';
    view.curve = curves[curveOid] ?? (curveOid || 'unknown');
  } else if (oid === oids.ed25519) {
    view.algorithm = 'Ed25519';
  }
  return view;
}

function readSignatureAlgorithm(der: Uint8Array, tlv: Tlv | undefined): SignatureView {
  const { oid, params } = readAlgorithm(der, tlv, 'signature algorithm');
  const known = signatureAlgorithms[oid];
  if (known) return { oid, hash: known.hash, family: known.family };
  if (oid !== oids.rsaPss) return { oid, hash: null, family: 'unknown' };
  // RSASSA-PSS-params (RFC 4055): [0] hash DEFAULT sha1, [1] mgf DEFAULT mgf1SHA1, [2] saltLength DEFAULT 20.
  let hash: string | null = 'SHA-1';
  let pssSaltLength = 20;
  try {
    for (const field of params?.tag === tags.sequence ? children(der, params) : []) {
      const inner = children(der, field)[0];
      if (field.tag === context(0, true)) hash = hashOids[readAlgorithm(der, inner, 'PSS hash').oid] ?? null;
      if (field.tag === context(1, true)) {
        const mgf = readAlgorithm(der, inner, 'PSS mask generation');
        const mgfHash = mgf.oid === oids.mgf1 ? hashOids[readAlgorithm(der, mgf.params, 'MGF1 hash').oid] : undefined;
        if (mgfHash !== hash) hash = null; // a mask hash other than the signature hash is not supported
      }
      if (field.tag === context(2, true)) pssSaltLength = readSmallInteger(der, inner, 'PSS salt length');
    }
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    hash = null;
  }
  return { oid, hash, family: 'RSA-PSS', pssSaltLength };
}

function emptyExtensions(): ExtensionsView {
  return {
    basicConstraints: null,
    keyUsage: null,
    extKeyUsage: null,
    sanDns: [],
    sanIps: [],
    subjectKeyId: null,
    authorityKeyId: null,
    unknownCritical: [],
    duplicated: [],
  };
}

/** GeneralName ::= CHOICE { [0] otherName, [1] rfc822Name, [2] dNSName, [3] x400Address, [4] directoryName, [5] ediPartyName, [6] URI, [7] iPAddress, [8] registeredID }. */
const generalNameTags = new Set([
  context(0, true), context(1, false), context(2, false), context(3, true), context(4, true),
  context(5, true), context(6, false), context(7, false), context(8, false),
]);

/** One extension's value (the DER inside extnValue) into the view. */
function readExtensionValue(view: ExtensionsView, oid: string, critical: boolean, value: Uint8Array): void {
  if (!knownExtensions.has(oid)) {
    if (critical) view.unknownCritical.push(oid);
    return;
  }
  // A known extension's value is DER all the way down (e.g. the inside of an otherName SAN).
  const root = readRoot(value);
  if ((root.tag & 0x20) !== 0) assertWellFormed(value, root, 1);
  switch (oid) {
    case oids.basicConstraints: {
      let cA = false;
      let pathLen: number | null = null;
      for (const field of sequenceOf(value, root, 'basicConstraints')) {
        if (field.tag === tags.boolean) cA = readBoolean(value, field, 'basicConstraints cA');
        else pathLen = readSmallInteger(value, field, 'basicConstraints pathLenConstraint');
      }
      view.basicConstraints = { cA, pathLen, critical };
      return;
    }
    case oids.keyUsage: {
      const { octets } = readBitString(value, root, 'keyUsage');
      const usages = keyUsageNames.filter((_, bit) => ((octets[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0);
      view.keyUsage = { usages, critical };
      return;
    }
    case oids.extKeyUsage:
      view.extKeyUsage = sequenceOf(value, root, 'extKeyUsage').map((t) => readOid(value, t, 'key purpose'));
      return;
    case oids.subjectAltName:
      for (const name of sequenceOf(value, root, 'subjectAltName')) {
        if (!generalNameTags.has(name.tag)) throw new DerError('invalid', `subjectAltName: tag 0x${name.tag.toString(16)} is not a GeneralName`);
        if (name.tag === context(2, false)) view.sanDns.push(readIa5(value, name).toLowerCase());
        if (name.tag === context(7, false)) view.sanIps.push(formatIp(value.subarray(name.contentStart, name.end)));
      }
      return;
    case oids.subjectKeyIdentifier:
      view.subjectKeyId = hex(value.subarray(expectTag(root, tags.octetString, 'subjectKeyIdentifier').contentStart));
      return;
    case oids.authorityKeyIdentifier: {
      const keyId = sequenceOf(value, root, 'authorityKeyIdentifier').find((t) => t.tag === context(0, false));
      view.authorityKeyId = keyId ? hex(value.subarray(keyId.contentStart, keyId.end)) : null;
      return;
    }
    default:
    // Known but not read (policies, CRL distribution points, …): well-formed is all we ask.
  }
}

/**
 * Extensions ::= SEQUENCE OF Extension { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }.
 * A malformed extension makes the whole certificate or CSR unreadable: skipping it could hide a
 * request for CA powers behind a BER encoding.
 */
function readExtensions(der: Uint8Array, tlv: Tlv): ExtensionsView {
  const view = emptyExtensions();
  const seen = new Set<string>();
  for (const ext of sequenceOf(der, tlv, 'extensions')) {
    const fields = sequenceOf(der, ext, 'extension');
    if (fields.length < 2 || fields.length > 3) throw new DerError('invalid', `extension: ${fields.length} fields`);
    const oid = readOid(der, fields[0], 'extension id');
    const critical = fields.length === 3 ? readBoolean(der, fields[1], `extension ${oid} critical flag`) : false;
    const valueT = expectTag(fields[fields.length - 1], tags.octetString, `extension ${oid} value`);
    if (seen.has(oid)) view.duplicated.push(oid);
    seen.add(oid);
    readExtensionValue(view, oid, critical, der.subarray(valueT.contentStart, valueT.end));
  }
  return view;
}

/** IP SANs arrive as raw 4 or 16 octets (PKI-NOTES). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4 || bytes.length === 16) return ipaddr.fromByteArray(Array.from(bytes)).toString();
  return `invalid(${hex(bytes)})`;
}

const certificateCache = new LruCache<string, CertificateView>(256);

/**
 * Parsed views are cached by fingerprint (bounded, least recently used out): CA certificates
 * recur in every bundle of a participant. Views are never mutated by the checks.
 */
export function parseCertificate(der: Uint8Array): CertificateView {
  const sha256 = sha256Hex(der);
  const hit = certificateCache.get(sha256);
  if (hit) return hit;
  const view = readStructure(der, 'NOT_A_CERTIFICATE', (root) => readCertificate(der, root, sha256));
  certificateCache.set(sha256, view);
  return view;
}

/** Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue } (RFC 5280 4.1). */
function readCertificate(der: Uint8Array, root: Tlv, sha256: string): CertificateView {
  const [tbsT, outerAlgT, signatureT, ...extra] = sequenceOf(der, root, 'certificate');
  if (extra.length > 0) throw new DerError('invalid', 'certificate: more than three fields');
  const fields = sequenceOf(der, tbsT, 'tbsCertificate');
  let i = 0;
  let version = 1;
  const versionT = fields[0];
  if (versionT?.tag === context(0, true)) {
    const inner = children(der, versionT);
    if (inner.length !== 1) throw new DerError('invalid', 'version: expected one INTEGER');
    version = readSmallInteger(der, inner[0], 'version') + 1;
    i++;
  }
  const serial = readIntegerBytes(der, fields[i++], 'serialNumber');
  const innerAlgT = expectTag(fields[i++], tags.sequence, 'tbsCertificate signature');
  const issuer = readName(der, fields[i++], 'issuer');
  const [notBeforeT, notAfterT, ...moreTimes] = sequenceOf(der, fields[i++], 'validity');
  if (moreTimes.length > 0) throw new DerError('invalid', 'validity: more than two times');
  const notBefore = readTime(der, notBeforeT, 'notBefore');
  const notAfter = readTime(der, notAfterT, 'notAfter');
  const subjectT = fields[i++];
  const subject = readName(der, subjectT, 'subject');
  const { spkiDer, ...key } = readKey(der, fields[i++]);
  let ext = emptyExtensions();
  for (; i < fields.length; i++) {
    const field = fields[i] as Tlv;
    if (field.tag === context(1, false) || field.tag === context(2, false)) continue; // issuer/subject unique ids
    if (field.tag !== context(3, true)) throw new DerError('invalid', `tbsCertificate: unexpected field with tag 0x${field.tag.toString(16)}`);
    const inner = children(der, field);
    if (inner.length !== 1) throw new DerError('invalid', 'extensions: expected one SEQUENCE');
    ext = readExtensions(der, inner[0] as Tlv);
  }
  const innerAlg = whole(der, innerAlgT);
  const outerAlg = whole(der, expectTag(outerAlgT, tags.sequence, 'signatureAlgorithm'));
  return {
    der,
    tbs: whole(der, tbsT as Tlv),
    signatureValue: readOctetAlignedBits(der, signatureT, 'signatureValue'),
    spkiDer,
    subjectDer: whole(der, subjectT as Tlv),
    sha256,
    version,
    subject,
    issuer,
    serialHex: hex(serial),
    serialNegative: ((serial[0] ?? 0) & 0x80) !== 0,
    serialOctets: serial.length,
    notBefore,
    notAfter,
    key,
    signature: readSignatureAlgorithm(der, outerAlgT),
    signatureAlgorithmsMatch: Buffer.compare(innerAlg, outerAlg) === 0,
    ext,
  };
}

/**
 * CertificationRequest ::= SEQUENCE { certificationRequestInfo SEQUENCE { version, subject,
 * subjectPKInfo, attributes [0] }, signatureAlgorithm, signature } (RFC 2986).
 */
export function parseCsr(der: Uint8Array): CsrView {
  return readStructure(der, 'NOT_A_CSR', (root) => {
    const [infoT, algT, signatureT, ...extra] = sequenceOf(der, root, 'certification request');
    if (extra.length > 0) throw new DerError('invalid', 'certification request: more than three fields');
    const [versionT, subjectT, spkiT, attributesT, ...more] = sequenceOf(der, infoT, 'certificationRequestInfo');
    if (more.length > 0) throw new DerError('invalid', 'certificationRequestInfo: unexpected fields');
    readSmallInteger(der, versionT, 'version');
    const subject = readName(der, subjectT, 'subject');
    const { spkiDer, ...key } = readKey(der, spkiT);
    let requested = emptyExtensions();
    for (const attribute of attributesT ? sequenceOf(der, attributesT, 'attributes', context(0, true)) : []) {
      const [typeT, valuesT] = sequenceOf(der, attribute, 'attribute');
      if (readOid(der, typeT, 'attribute type') !== oids.extensionRequest) continue;
      for (const value of sequenceOf(der, valuesT, 'extensionRequest values', tags.set)) {
        requested = readExtensions(der, value);
      }
    }
    return {
      der,
      tbs: whole(der, infoT as Tlv),
      signatureValue: readOctetAlignedBits(der, signatureT, 'signature'),
      spkiDer,
      sha256: sha256Hex(der),
      subject,
      key,
      signature: readSignatureAlgorithm(der, algT),
      requested,
    };
  });
}

/** Signed by its own key: verifies the signature with the certificate's own public key. */
export function isSelfSigned(cert: CertificateView): boolean {
  // A certificate whose issuer is not its subject is not self-signed in any sense that matters here.
  if (cert.issuer.text !== cert.subject.text) return false;
  return signedBy(cert, cert);
}

const verifiedLinks = new LruCache<string, boolean>(4096);

/** Whether `issuer`'s key verifies `child`'s signature; the answer for a pair of certificates never changes, so it is cached. */
export function signedBy(child: CertificateView, issuer: CertificateView): boolean {
  const link = `${child.sha256}:${issuer.sha256}`;
  const known = verifiedLinks.get(link);
  if (known !== undefined) return known;
  const verified = verifySignature(issuer, child.signature, child.signatureValue, child.tbs) ?? false;
  verifiedLinks.set(link, verified);
  return verified;
}
