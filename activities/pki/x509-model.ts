/**
 * Parses certificates and CSRs (pkijs + asn1js) into plain views the checks read. Every parse
 * failure becomes a PkiInputError with a stable code; nothing here trusts the input.
 */
import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import ipaddr from 'ipaddr.js';
import * as pkijs from 'pkijs';
import { DomainError } from '../domain-error';
import { ensurePkijsEngine } from './crypto-engine';
import { verifySignature } from './signature-verify';

export type PkiInputErrorCode = 'DER_INVALID' | 'DER_TRAILING_DATA' | 'DER_NOT_CANONICAL' | 'NOT_A_CERTIFICATE' | 'NOT_A_CSR';

export class PkiInputError extends DomainError<PkiInputErrorCode> {}

export const oids = {
  rsaEncryption: '1.2.840.113549.1.1.1',
  ecPublicKey: '1.2.840.10045.2.1',
  ed25519: '1.3.101.112',
  rsaPss: '1.2.840.113549.1.1.10',
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
}

export interface CertificateView {
  der: Uint8Array;
  /** The signed part and its signature, for verification. */
  tbs: Uint8Array;
  signatureValue: Uint8Array;
  spkiDer: Uint8Array;
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
  /** Outer signatureAlgorithm equals the TBS `signature` field. */
  signatureAlgorithmsMatch: boolean;
  ext: ExtensionsView;
  /** Signed by its own key (not merely subject = issuer). Filled by `verifySelfSigned`. */
  pkijs: pkijs.Certificate;
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
  pkijs: pkijs.CertificationRequest;
}

export function sha256Hex(data: Uint8Array | ArrayBuffer): string {
  return createHash('sha256')
    .update(data instanceof ArrayBuffer ? new Uint8Array(data) : data)
    .digest('hex');
}

function hex(view: Uint8Array | ArrayBuffer): string {
  return Buffer.from(view instanceof ArrayBuffer ? new Uint8Array(view) : view).toString('hex');
}

/** The fields of the signed part (TBSCertificate / CertificationRequestInfo). */
function tbsFields(signed: asn1js.AsnType): asn1js.AsnType[] {
  const tbs = (signed as asn1js.Sequence).valueBlock?.value?.[0] as asn1js.Sequence | undefined;
  return tbs?.valueBlock?.value ?? [];
}

/** The bytes a node was decoded from: the key's identity is its submitted encoding, not a re-encoding. */
function originalBytes(node: asn1js.AsnType | undefined): Uint8Array | null {
  const view = (node as { valueBeforeDecodeView?: Uint8Array } | undefined)?.valueBeforeDecodeView;
  return view instanceof Uint8Array && view.length > 0 ? view : null;
}

function parseDer(der: Uint8Array): asn1js.AsnType {
  const copy = der.slice().buffer;
  let parsed: ReturnType<typeof asn1js.fromBER>;
  try {
    parsed = asn1js.fromBER(copy);
  } catch (err) {
    // asn1js throws (not reports) on some malformed string types.
    throw new PkiInputError('DER_INVALID', 'The data is not valid DER', false, { error: (err as Error).message });
  }
  if (parsed.offset === -1 || parsed.result.error) {
    throw new PkiInputError('DER_INVALID', 'The data is not valid DER', false, { error: parsed.result.error });
  }
  if (parsed.offset !== der.byteLength) {
    throw new PkiInputError('DER_TRAILING_DATA', 'The DER object is followed by extra bytes', false, {
      trailingBytes: der.byteLength - parsed.offset,
    });
  }
  return parsed.result;
}

function nameView(name: pkijs.RelativeDistinguishedNames): NameView {
  const attributes = name.typesAndValues.map((tv) => {
    const raw = (tv.value as { valueBlock?: { value?: unknown } }).valueBlock?.value;
    const value = typeof raw === 'string' ? raw : '';
    return { type: nameTypes[tv.type] ?? tv.type, oid: tv.type, value };
  });
  return { attributes, text: attributes.map((a) => `${a.type}=${a.value}`).join(', ') };
}

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i] as number));
}

function keyView(spki: pkijs.PublicKeyInfo, spkiDer: Uint8Array): KeyView {
  const oid = spki.algorithm.algorithmId;
  const view: KeyView = {
    algorithm: 'unknown',
    oid,
    rsaBits: null,
    rsaExponent: null,
    curve: null,
    spkiSha256: sha256Hex(spkiDer),
  };
  if (oid === oids.rsaEncryption) {
    view.algorithm = 'RSA';
    const parsed = spki.parsedKey;
    if (parsed instanceof pkijs.RSAPublicKey) {
      view.rsaBits = bitLength(parsed.modulus.valueBlock.valueHexView);
      const e = parsed.publicExponent.toBigInt();
      view.rsaExponent = e > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(e);
    }
  } else if (oid === oids.ecPublicKey) {
    view.algorithm = 'EC';
    const params = spki.algorithm.algorithmParams;
    const curveOid = params instanceof asn1js.ObjectIdentifier ? params.valueBlock.toString() : '';
    view.curve = curves[curveOid] ?? (curveOid || 'unknown');
  } else if (oid === oids.ed25519) {
    view.algorithm = 'Ed25519';
  }
  return view;
}

function signatureView(alg: pkijs.AlgorithmIdentifier): SignatureView {
  const known = signatureAlgorithms[alg.algorithmId];
  if (known) return { oid: alg.algorithmId, hash: known.hash, family: known.family };
  if (alg.algorithmId === oids.rsaPss) {
    let hash: string | null = 'SHA-1'; // RFC 4055 default when parameters omit the hash
    try {
      const params = new pkijs.RSASSAPSSParams({ schema: alg.algorithmParams });
      hash = hashOids[params.hashAlgorithm.algorithmId] ?? null;
    } catch {
      hash = null;
    }
    return { oid: alg.algorithmId, hash, family: 'RSA-PSS' };
  }
  return { oid: alg.algorithmId, hash: null, family: 'unknown' };
}

function extensionsView(extensions: pkijs.Extension[] | undefined): ExtensionsView {
  const view: ExtensionsView = {
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
  const seen = new Set<string>();
  for (const ext of extensions ?? []) {
    if (seen.has(ext.extnID)) view.duplicated.push(ext.extnID);
    seen.add(ext.extnID);
    const critical = ext.critical === true;
    const parsed: unknown = ext.parsedValue;
    switch (ext.extnID) {
      case oids.basicConstraints:
        if (parsed instanceof pkijs.BasicConstraints) {
          const pathLen = parsed.pathLenConstraint;
          view.basicConstraints = {
            cA: parsed.cA === true,
            pathLen: typeof pathLen === 'number' ? pathLen : pathLen instanceof asn1js.Integer ? pathLen.valueBlock.valueDec : null,
            critical,
          };
        }
        break;
      case oids.keyUsage:
        if (parsed instanceof asn1js.BitString) {
          const bytes = parsed.valueBlock.valueHexView;
          const usages = keyUsageNames.filter((_, bit) => ((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0);
          view.keyUsage = { usages, critical };
        }
        break;
      case oids.extKeyUsage:
        if (parsed instanceof pkijs.ExtKeyUsage) view.extKeyUsage = [...parsed.keyPurposes];
        break;
      case oids.subjectAltName:
        if (parsed instanceof pkijs.AltName) {
          for (const name of parsed.altNames) {
            if (name.type === 2 && typeof name.value === 'string') view.sanDns.push(name.value.toLowerCase());
            if (name.type === 7 && name.value instanceof asn1js.OctetString) {
              view.sanIps.push(formatIp(name.value.valueBlock.valueHexView));
            }
          }
        }
        break;
      case oids.subjectKeyIdentifier:
        if (parsed instanceof asn1js.OctetString) view.subjectKeyId = hex(parsed.valueBlock.valueHexView);
        break;
      case oids.authorityKeyIdentifier:
        if (parsed instanceof pkijs.AuthorityKeyIdentifier && parsed.keyIdentifier) {
          view.authorityKeyId = hex(parsed.keyIdentifier.valueBlock.valueHexView);
        }
        break;
      default:
        if (critical && !knownExtensions.has(ext.extnID)) view.unknownCritical.push(ext.extnID);
    }
  }
  return view;
}

/** IP SANs arrive as raw 4 or 16 octets (PKI-NOTES). */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4 || bytes.length === 16) return ipaddr.fromByteArray(Array.from(bytes)).toString();
  return `invalid(${hex(bytes)})`;
}

const maxCachedCertificates = 256;
const certificateCache = new Map<string, CertificateView>();

/**
 * Parsed views are cached by fingerprint (bounded, least recently used out): CA certificates
 * recur in every bundle of a participant and parsing ASN.1 in JavaScript costs more than verifying
 * an RSA signature. Views are never mutated by the checks.
 */
export function parseCertificate(der: Uint8Array): CertificateView {
  const sha256 = sha256Hex(der);
  const hit = certificateCache.get(sha256);
  if (hit) {
    certificateCache.delete(sha256);
    certificateCache.set(sha256, hit);
    return hit;
  }
  const view = parseCertificateUncached(der, sha256);
  certificateCache.set(sha256, view);
  if (certificateCache.size > maxCachedCertificates) certificateCache.delete(certificateCache.keys().next().value as string);
  return view;
}

function parseCertificateUncached(der: Uint8Array, sha256: string): CertificateView {
  ensurePkijsEngine();
  const asn = parseDer(der);
  const cert = guardView('NOT_A_CERTIFICATE', () => new pkijs.Certificate({ schema: asn }));
  // JavaScript's Date rolls nonsense over ("99999999999Z" becomes 1899): read the raw times.
  assertCanonicalTimes(asn);
  const serial = cert.serialNumber.valueBlock;
  const notBefore = cert.notBefore?.value;
  const notAfter = cert.notAfter?.value;
  if (!(notBefore instanceof Date) || !(notAfter instanceof Date) || Number.isNaN(notBefore.getTime()) || Number.isNaN(notAfter.getTime())) {
    throw new PkiInputError('NOT_A_CERTIFICATE', 'The validity dates of the certificate cannot be read');
  }
  const hasVersion = tbsFields(asn)[0]?.idBlock.tagClass === 3;
  const spkiDer = originalBytes(tbsFields(asn)[hasVersion ? 6 : 5]) ?? new Uint8Array(cert.subjectPublicKeyInfo.toSchema().toBER(false));
  return guardView('NOT_A_CERTIFICATE', () => ({
    der,
    tbs: cert.tbsView,
    signatureValue: cert.signatureValue.valueBlock.valueHexView,
    spkiDer,
    sha256,
    version: cert.version + 1,
    subject: nameView(cert.subject),
    issuer: nameView(cert.issuer),
    serialHex: hex(serial.valueHexView),
    serialNegative: ((serial.valueHexView[0] ?? 0) & 0x80) !== 0,
    serialOctets: serial.valueHexView.length,
    notBefore,
    notAfter,
    key: keyView(cert.subjectPublicKeyInfo, spkiDer),
    signature: signatureView(cert.signatureAlgorithm),
    signatureAlgorithmsMatch: cert.signatureAlgorithm.isEqual(cert.signature),
    ext: extensionsView(cert.extensions),
    pkijs: cert,
  }));
}

export function parseCsr(der: Uint8Array): CsrView {
  ensurePkijsEngine();
  const asn = parseDer(der);
  const csr = guardView('NOT_A_CSR', () => new pkijs.CertificationRequest({ schema: asn }));
  const requestedExtensions: pkijs.Extension[] = [];
  for (const attribute of csr.attributes ?? []) {
    if (attribute.type !== oids.extensionRequest) continue;
    for (const value of attribute.values) {
      try {
        requestedExtensions.push(...new pkijs.Extensions({ schema: value }).extensions);
      } catch {
        // An unparsable extension request grants nothing: the profile ignores requested extensions.
      }
    }
  }
  const spkiDer = originalBytes(tbsFields(asn)[2]) ?? new Uint8Array(csr.subjectPublicKeyInfo.toSchema().toBER(false));
  return guardView('NOT_A_CSR', () => ({
    der,
    tbs: csr.tbsView,
    signatureValue: csr.signatureValue.valueBlock.valueHexView,
    spkiDer,
    sha256: sha256Hex(der),
    subject: nameView(csr.subject),
    key: keyView(csr.subjectPublicKeyInfo, spkiDer),
    signature: signatureView(csr.signatureAlgorithm),
    requested: extensionsView(requestedExtensions),
    pkijs: csr,
  }));
}

/** pkijs throws on structures it cannot read, and parses some parts lazily: all are input errors. */
function guardView<T>(code: 'NOT_A_CERTIFICATE' | 'NOT_A_CSR', build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof PkiInputError) throw err;
    throw new PkiInputError(code, code === 'NOT_A_CSR' ? 'The data is not a readable PKCS#10 certification request' : 'The data is not a readable X.509 certificate', false, {
      error: (err as Error).message,
    });
  }
}

/** Signed by its own key: verifies the signature with the certificate's own public key. */
export async function isSelfSigned(cert: CertificateView): Promise<boolean> {
  // A certificate whose issuer is not its subject is not self-signed in any sense that matters here.
  if (cert.issuer.text !== cert.subject.text) return false;
  return signedBy(cert, cert);
}

const maxCachedLinks = 4096;
const verifiedLinks = new Map<string, boolean>();

/** Whether `issuer`'s key verifies `child`'s signature; the answer for a pair of certificates never changes, so it is cached. */
export async function signedBy(child: CertificateView, issuer: CertificateView): Promise<boolean> {
  const link = `${child.sha256}:${issuer.sha256}`;
  const known = verifiedLinks.get(link);
  if (known !== undefined) return known;
  let verified = await verifySignature(issuer, child.signature, child.signatureValue, child.tbs);
  if (verified === null) verified = await child.pkijs.verify(issuer.pkijs).catch(() => false);
  verifiedLinks.set(link, verified);
  if (verifiedLinks.size > maxCachedLinks) verifiedLinks.delete(verifiedLinks.keys().next().value as string);
  return verified;
}

const utcTime = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const generalizedTime = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

/** RFC 5280 4.1.2.5: YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ, every field in range. */
function assertCanonicalTimes(certificate: asn1js.AsnType): void {
  const tbs = tbsFields(certificate);
  const hasVersion = tbs[0]?.idBlock.tagClass === 3;
  const validity = tbs[hasVersion ? 4 : 3] as asn1js.Sequence | undefined;
  const times = validity?.valueBlock.value ?? [];
  if (times.length !== 2) throw new PkiInputError('DER_NOT_CANONICAL', 'The certificate has no readable validity period');
  for (const time of times) {
    const bytes = (time as asn1js.UTCTime).valueBlock?.valueHexView;
    const raw = bytes instanceof Uint8Array ? Buffer.from(bytes).toString('latin1') : null;
    const isUtc = time instanceof asn1js.UTCTime;
    const m = typeof raw === 'string' ? (isUtc ? utcTime : generalizedTime).exec(raw) : null;
    const [month, day, hour, minute, second] = (m?.slice(2) ?? []).map(Number) as number[];
    const ok =
      m !== null &&
      (time instanceof asn1js.UTCTime || time instanceof asn1js.GeneralizedTime) &&
      month! >= 1 && month! <= 12 && day! >= 1 && day! <= 31 && hour! <= 23 && minute! <= 59 && second! <= 59;
    if (!ok) {
      throw new PkiInputError('DER_NOT_CANONICAL', `The certificate validity time "${String(raw).slice(0, 20)}" is malformed`);
    }
  }
}
