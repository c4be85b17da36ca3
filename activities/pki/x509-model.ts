/**
 * Reads certificates and CSRs into the plain views the checks read. asn1js decodes (held to DER
 * by strict-der.ts), pkijs gives the X.509 / PKCS#10 structure and the extension values; every
 * parse failure becomes a PkiInputError with a stable code. Nothing here trusts the input.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import ipaddr from 'ipaddr.js';
import * as pkijs from 'pkijs';
import { DomainError } from '../domain-error';
import { LruCache } from './lru-cache';
import { verifySignature } from './signature-verify';
import type { KeyView, SignatureView } from './x509-views';

export type { KeyView, SignatureView };
import { contentOf, decodeDer, DerError, timeOf, TrailingDataError } from './strict-der';

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

type StructureCode = 'NOT_A_CERTIFICATE' | 'NOT_A_CSR';

/** pkijs refuses a structure it cannot map with a plain Error: that is DER of the wrong shape. */
function asStructure<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof DerError) throw err;
    throw new DerError('invalid', `${what}: ${(err as Error).message}`);
  }
}

/**
 * Decodes `der` strictly, then reads it with `read`: bytes that are not DER are DER_INVALID /
 * DER_TRAILING_DATA / DER_NOT_CANONICAL; DER that is not the expected structure is `code`.
 */
function readStructure<T>(der: Uint8Array, code: StructureCode, read: (root: asn1js.AsnType) => T): T {
  let wellFormed = false;
  try {
    const root = decodeDer(der);
    wellFormed = true;
    return read(root);
  } catch (err) {
    if (!(err instanceof DerError)) throw err;
    const detail = { error: err.message };
    if (!wellFormed && err instanceof TrailingDataError) {
      throw new PkiInputError('DER_TRAILING_DATA', 'The DER object is followed by extra bytes', { trailingBytes: err.trailingBytes });
    }
    if (err.problem === 'not-canonical') throw new PkiInputError('DER_NOT_CANONICAL', `The data is BER, not DER: ${err.message}`, detail);
    if (!wellFormed) throw new PkiInputError('DER_INVALID', 'The data is not valid DER', detail);
    const what =
      code === 'NOT_A_CSR' ? 'The data is not a readable PKCS#10 certification request' : 'The data is not a readable X.509 certificate';
    throw new PkiInputError(code, `${what}: ${err.message}`, detail);
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');

function sevenBit(b: Uint8Array): string {
  for (const octet of b) if (octet > 0x7f) throw new DerError('invalid', 'a 7-bit string type holds a byte above 0x7F');
  return latin1(b);
}

/**
 * X.520 directory strings by universal tag. asn1js decodes them leniently (invalid UTF-8 becomes
 * U+FFFD, a high byte in a PrintableString passes), so the content octets are held to their type.
 */
const directoryStrings: Record<number, (b: Uint8Array) => string> = {
  12: (b) => {
    try {
      return strictUtf8.decode(b);
    } catch {
      throw new DerError('invalid', 'a UTF8String is not valid UTF-8');
    }
  },
  18: sevenBit, // NumericString
  19: sevenBit, // PrintableString
  22: sevenBit, // IA5String
  26: sevenBit, // VisibleString
  20: latin1, // TeletexString
  30: (b) => {
    if (b.length % 2 !== 0) throw new DerError('invalid', 'a BMPString has an odd number of octets');
    return Buffer.from(b).swap16().toString('utf16le');
  },
  28: (b) => {
    if (b.length % 4 !== 0) throw new DerError('invalid', 'a UniversalString is not a whole number of characters');
    let out = '';
    for (let i = 0; i < b.length; i += 4) {
      const cp = (((b[i] as number) << 24) | ((b[i + 1] as number) << 16) | ((b[i + 2] as number) << 8) | (b[i + 3] as number)) >>> 0;
      if (cp > 0x10ffff) throw new DerError('invalid', 'a UniversalString holds a value beyond Unicode');
      out += String.fromCodePoint(cp);
    }
    return out;
  },
};

function directoryString(node: asn1js.AsnType): string | null {
  const decode = node.idBlock.tagClass === 1 && !node.idBlock.isConstructed ? directoryStrings[node.idBlock.tagNumber] : undefined;
  return decode ? decode(contentOf(node)) : null;
}

function readName(name: pkijs.RelativeDistinguishedNames, what: string): NameView {
  const attributes = name.typesAndValues.map((atv) => {
    const value = directoryString(atv.value);
    const type = nameTypes[atv.type];
    // The attributes the checks read are directory strings; anything else there is malformed.
    if (value === null && type !== undefined) throw new DerError('invalid', `${what} ${type} is not a string`);
    return { type: type ?? atv.type, oid: atv.type, value: value ?? '' };
  });
  return { attributes, text: attributes.map((a) => `${a.type}=${a.value}`).join(', ') };
}

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i] as number));
}

/** INTEGER content octets → a small non-negative number (larger values: MAX_SAFE_INTEGER). */
function smallInteger(node: asn1js.AsnType, what: string): number {
  const octets = contentOf(node);
  if (((octets[0] ?? 0) & 0x80) !== 0) throw new DerError('invalid', `${what}: negative`);
  let value = 0;
  for (const octet of octets) {
    value = value * 256 + octet;
    if (value > Number.MAX_SAFE_INTEGER / 256) return Number.MAX_SAFE_INTEGER;
  }
  return value;
}

/** RSAPublicKey ::= SEQUENCE { modulus, publicExponent }, itself strict DER; anything else leaves the sizes unknown (KEY_SIZE_MIN fails). */
function rsaKeyFacts(keyBits: Uint8Array): { bits: number; exponent: number } | null {
  try {
    const root = decodeDer(keyBits);
    new pkijs.RSAPublicKey({ schema: root }); // the structure check; pkijs re-creates the INTEGERs, so the octets come from the tree
    const [modulusNode, exponentNode] = fieldsOf(root) as [asn1js.AsnType, asn1js.AsnType];
    const modulus = contentOf(modulusNode);
    if (((modulus[0] as number) & 0x80) !== 0) return null;
    return { bits: bitLength(modulus), exponent: smallInteger(exponentNode, 'publicExponent') };
  } catch {
    return null;
  }
}

function readKey(spki: pkijs.PublicKeyInfo, spkiDer: Uint8Array): KeyView {
  const oid = spki.algorithm.algorithmId;
  const keyBits = spki.subjectPublicKey.valueBlock.valueHexView;
  const view: KeyView = { algorithm: 'unknown', oid, rsaBits: null, rsaExponent: null, curve: null, spkiSha256: sha256Hex(spkiDer) };
  if (oid === oids.rsaEncryption) {
    view.algorithm = 'RSA';
    const rsa = rsaKeyFacts(keyBits);
    if (rsa) {
      view.rsaBits = rsa.bits;
      view.rsaExponent = rsa.exponent;
    }
  } else if (oid === oids.ecPublicKey) {
    view.algorithm = 'EC';
    const params = spki.algorithm.algorithmParams as asn1js.AsnType | undefined;
    const curveOid = params instanceof asn1js.ObjectIdentifier ? params.valueBlock.toString() : '';
    view.curve = curves[curveOid] ?? (curveOid || 'unknown');
  } else if (oid === oids.ed25519) {
    view.algorithm = 'Ed25519';
  }
  return view;
}

function readSignatureAlgorithm(algorithm: pkijs.AlgorithmIdentifier): SignatureView {
  const oid = algorithm.algorithmId;
  const known = signatureAlgorithms[oid];
  if (known) return { oid, hash: known.hash, family: known.family };
  if (oid !== oids.rsaPss) return { oid, hash: null, family: 'unknown' };
  // RSASSA-PSS-params (RFC 4055): [0] hash DEFAULT sha1, [1] mgf DEFAULT mgf1SHA1, [2] saltLength DEFAULT 20.
  let hash: string | null = 'SHA-1';
  let pssSaltLength = 20;
  try {
    const params = algorithm.algorithmParams as asn1js.AsnType | undefined;
    if (params instanceof asn1js.Sequence) {
      const pss = new pkijs.RSASSAPSSParams({ schema: params });
      const present = new Set(params.valueBlock.value.map((field) => field.idBlock.tagNumber));
      hash = hashOids[pss.hashAlgorithm.algorithmId] ?? null;
      if (present.has(1)) {
        const mgf = pss.maskGenAlgorithm;
        const mgfHash =
          mgf.algorithmId === oids.mgf1 ? hashOids[new pkijs.AlgorithmIdentifier({ schema: mgf.algorithmParams }).algorithmId] : undefined;
        if (mgfHash !== hash) hash = null; // a mask hash other than the signature hash is not supported
      }
      if (present.has(2)) {
        const saltField = params.valueBlock.value.find((field) => field.idBlock.tagNumber === 2) as asn1js.Constructed;
        pssSaltLength = smallInteger(saltField.valueBlock.value[0] as asn1js.AsnType, 'PSS salt length');
      }
    }
  } catch {
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

/** GeneralName ::= CHOICE { [0] otherName, [1] rfc822Name, [2] dNSName, [3] x400Address, [4] directoryName, [5] ediPartyName, [6] URI, [7] iPAddress, [8] registeredID }: which are constructed. */
const constructedGeneralNames = new Set([0, 3, 4, 5]);

function assertSequence(node: asn1js.AsnType, what: string): asn1js.AsnType[] {
  if (!(node instanceof asn1js.Sequence)) throw new DerError('invalid', `${what} is not a SEQUENCE`);
  return node.valueBlock.value;
}

/** One extension's value (the DER inside extnValue) into the view. */
function readExtensionValue(view: ExtensionsView, oid: string, critical: boolean, value: Uint8Array): void {
  if (!knownExtensions.has(oid)) {
    if (critical) view.unknownCritical.push(oid);
    return;
  }
  // A known extension's value is DER all the way down (e.g. the inside of an otherName SAN).
  const root = decodeDer(value);
  switch (oid) {
    case oids.basicConstraints: {
      const bc = asStructure('basicConstraints', () => new pkijs.BasicConstraints({ schema: root }));
      const pathLen = bc.pathLenConstraint;
      view.basicConstraints = {
        cA: bc.cA === true,
        pathLen:
          pathLen === undefined
            ? null
            : smallInteger(
                pathLen instanceof asn1js.Integer ? pathLen : (root as asn1js.Sequence).valueBlock.value.at(-1)!,
                'pathLenConstraint',
              ),
        critical,
      };
      return;
    }
    case oids.keyUsage: {
      if (!(root instanceof asn1js.BitString)) throw new DerError('invalid', 'keyUsage is not a BIT STRING');
      const octets = root.valueBlock.valueHexView;
      view.keyUsage = { usages: keyUsageNames.filter((_, bit) => ((octets[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0), critical };
      return;
    }
    case oids.extKeyUsage:
      view.extKeyUsage = [...asStructure('extKeyUsage', () => new pkijs.ExtKeyUsage({ schema: root })).keyPurposes];
      return;
    case oids.subjectAltName:
      // GeneralNames read on the asn1js tree: pkijs's GeneralName schema builds the whole X.400
      // address grammar for every name, which cost more than the rest of a certificate.
      for (const name of assertSequence(root, 'subjectAltName')) {
        const { tagClass, tagNumber, isConstructed } = name.idBlock;
        if (tagClass !== 3 || tagNumber > 8 || isConstructed !== constructedGeneralNames.has(tagNumber)) {
          throw new DerError('invalid', `subjectAltName: [${tagClass === 3 ? tagNumber : `class ${tagClass}`}] is not a GeneralName`);
        }
        if (tagNumber === 2) view.sanDns.push(sevenBit(contentOf(name)).toLowerCase());
        if (tagNumber === 7) view.sanIps.push(formatIp(contentOf(name)));
      }
      return;
    case oids.subjectKeyIdentifier:
      if (!(root instanceof asn1js.OctetString)) throw new DerError('invalid', 'subjectKeyIdentifier is not an OCTET STRING');
      view.subjectKeyId = hex(contentOf(root));
      return;
    case oids.authorityKeyIdentifier: {
      // AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL, … } (asn1js tree, as for SANs).
      const keyId = assertSequence(root, 'authorityKeyIdentifier').find(
        (f) => f.idBlock.tagClass === 3 && f.idBlock.tagNumber === 0 && !f.idBlock.isConstructed,
      );
      view.authorityKeyId = keyId ? hex(contentOf(keyId)) : null;
      return;
    }
    default:
    // Known but not read (policies, CRL distribution points, …): well-formed DER is all we ask.
  }
}

/**
 * A malformed extension makes the whole certificate or CSR unreadable: skipping it could hide a
 * request for CA powers behind a BER encoding.
 */
function readExtensions(extensions: pkijs.Extension[]): ExtensionsView {
  const view = emptyExtensions();
  const seen = new Set<string>();
  for (const ext of extensions) {
    if (seen.has(ext.extnID)) view.duplicated.push(ext.extnID);
    seen.add(ext.extnID);
    readExtensionValue(view, ext.extnID, ext.critical, ext.extnValue.valueBlock.valueHexView);
  }
  return view;
}

/** IP SANs arrive as raw 4 or 16 octets (PKI-NOTES). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4 || bytes.length === 16) return ipaddr.fromByteArray(Array.from(bytes)).toString();
  return `invalid(${hex(bytes)})`;
}

/** The nodes pkijs keeps only as values, taken from the decoded tree it read them from. */
function fieldsOf(node: asn1js.AsnType): asn1js.AsnType[] {
  return (node as asn1js.Sequence).valueBlock.value;
}

/**
 * pkijs's schema comparison ignores elements after the ones a SEQUENCE declares (an SPKI with a
 * third field reads as a key): every SEQUENCE the views are built from is held to its size here.
 */
function assertFields(node: asn1js.AsnType, min: number, max: number, what: string): asn1js.AsnType[] {
  const fields = fieldsOf(node);
  if (fields.length < min || fields.length > max) throw new DerError('invalid', `${what}: ${fields.length} fields`);
  return fields;
}

function assertNameShape(name: asn1js.AsnType, what: string): void {
  for (const rdn of fieldsOf(name)) for (const atv of fieldsOf(rdn)) assertFields(atv, 2, 2, `${what} attribute`);
}

function assertExtensionsShape(extensions: asn1js.AsnType, what: string): void {
  for (const ext of fieldsOf(extensions)) assertFields(ext, 2, 3, what);
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
function readCertificate(der: Uint8Array, root: asn1js.AsnType, sha256: string): CertificateView {
  const cert = asStructure('certificate', () => new pkijs.Certificate({ schema: root }));
  const [tbsNode, outerAlgNode, signatureNode] = assertFields(root, 3, 3, 'certificate') as [
    asn1js.AsnType,
    asn1js.AsnType,
    asn1js.BitString,
  ];
  const tbsFields = fieldsOf(tbsNode);
  const hasVersion = tbsFields[0]?.idBlock.tagClass === 3;
  const at = (i: number) => tbsFields[hasVersion ? i : i - 1] as asn1js.AsnType;
  // After the seven fixed fields only issuerUniqueID [1], subjectUniqueID [2] and extensions [3].
  const optional = tbsFields.slice(hasVersion ? 7 : 6);
  if (
    optional.some(
      (f, i) =>
        f.idBlock.tagClass !== 3 ||
        f.idBlock.tagNumber < 1 ||
        f.idBlock.tagNumber > 3 ||
        (i > 0 && f.idBlock.tagNumber <= optional[i - 1]!.idBlock.tagNumber),
    )
  ) {
    throw new DerError('invalid', 'tbsCertificate: unexpected fields');
  }
  const [notBeforeNode, notAfterNode] = assertFields(at(4), 2, 2, 'validity') as [asn1js.AsnType, asn1js.AsnType];
  assertFields(at(2), 1, 2, 'signature algorithm');
  assertFields(outerAlgNode, 1, 2, 'signatureAlgorithm');
  assertFields(at(6), 2, 2, 'subjectPublicKeyInfo');
  assertFields(fieldsOf(at(6))[0]!, 1, 2, 'public key algorithm');
  assertNameShape(at(3), 'issuer');
  assertNameShape(at(5), 'subject');
  const extensionsNode = optional.find((f) => f.idBlock.tagNumber === 3);
  if (extensionsNode) assertExtensionsShape(assertFields(extensionsNode, 1, 1, 'extensions')[0]!, 'extension');
  const serial = contentOf(cert.serialNumber);
  const spkiDer = at(6).valueBeforeDecodeView;
  if (signatureNode.valueBlock.unusedBits !== 0) throw new DerError('invalid', 'signatureValue: not a whole number of octets');
  return {
    der,
    tbs: cert.tbsView,
    signatureValue: signatureNode.valueBlock.valueHexView,
    spkiDer,
    subjectDer: at(5).valueBeforeDecodeView,
    sha256,
    version: hasVersion ? smallInteger(fieldsOf(tbsFields[0] as asn1js.AsnType)[0] as asn1js.AsnType, 'version') + 1 : 1,
    subject: readName(cert.subject, 'subject'),
    issuer: readName(cert.issuer, 'issuer'),
    serialHex: hex(serial),
    serialNegative: ((serial[0] ?? 0) & 0x80) !== 0,
    serialOctets: serial.length,
    notBefore: timeOf(notBeforeNode),
    notAfter: timeOf(notAfterNode),
    key: readKey(cert.subjectPublicKeyInfo, spkiDer),
    signature: readSignatureAlgorithm(cert.signatureAlgorithm),
    signatureAlgorithmsMatch: Buffer.compare(at(2).valueBeforeDecodeView, outerAlgNode.valueBeforeDecodeView) === 0,
    ext: readExtensions(cert.extensions ?? []),
  };
}

/** CertificationRequest (RFC 2986): certificationRequestInfo { version, subject, subjectPKInfo, attributes [0] }, signatureAlgorithm, signature. */
export function parseCsr(der: Uint8Array): CsrView {
  return readStructure(der, 'NOT_A_CSR', (root) => {
    const csr = asStructure('certification request', () => new pkijs.CertificationRequest({ schema: root }));
    const [infoNode, algNode, signatureNode] = assertFields(root, 3, 3, 'certification request') as [
      asn1js.AsnType,
      asn1js.AsnType,
      asn1js.BitString,
    ];
    const info = assertFields(infoNode, 3, 4, 'certificationRequestInfo');
    smallInteger(info[0] as asn1js.AsnType, 'version');
    assertFields(algNode, 1, 2, 'signatureAlgorithm');
    assertFields(info[2]!, 2, 2, 'subjectPublicKeyInfo');
    assertFields(fieldsOf(info[2]!)[0]!, 1, 2, 'public key algorithm');
    assertNameShape(info[1]!, 'subject');
    for (const attribute of info[3] ? fieldsOf(info[3]) : []) assertFields(attribute, 2, 2, 'attribute');
    const spkiDer = (info[2] as asn1js.AsnType).valueBeforeDecodeView;
    let requested = emptyExtensions();
    for (const attribute of csr.attributes ?? []) {
      if (attribute.type !== oids.extensionRequest) continue;
      for (const value of attribute.values) {
        const extensions = asStructure('extensionRequest', () => new pkijs.Extensions({ schema: value })).extensions;
        assertExtensionsShape(value, 'requested extension');
        requested = readExtensions(extensions);
      }
    }
    if (signatureNode.valueBlock.unusedBits !== 0) throw new DerError('invalid', 'signature: not a whole number of octets');
    return {
      der,
      tbs: csr.tbsView,
      signatureValue: signatureNode.valueBlock.valueHexView,
      spkiDer,
      sha256: sha256Hex(der),
      subject: readName(csr.subject, 'subject'),
      key: readKey(csr.subjectPublicKeyInfo, spkiDer),
      signature: readSignatureAlgorithm(csr.signatureAlgorithm),
      requested,
    };
  });
}
/** A SubjectPublicKeyInfo (a `PUBLIC KEY` PEM block's DER): the key's facts, as in certificates and CSRs. */
export function parsePublicKey(spkiDer: Uint8Array): KeyView {
  return readStructure(spkiDer, 'NOT_A_CERTIFICATE', (root) =>
    readKey(
      asStructure('SubjectPublicKeyInfo', () => new pkijs.PublicKeyInfo({ schema: root })),
      spkiDer,
    ),
  );
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
