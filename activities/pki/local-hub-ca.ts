/**
 * The hub CA's embedded adapter: a root and an issuing intermediate. In development they are
 * generated on first start into a data folder (keys 0600) and reused after; in production they
 * are loaded from PEM files (issuing key as encrypted PKCS#8). The private keys are imported as
 * non-extractable CryptoKeys and never leave this module.
 */
import { createPrivateKey, KeyObject, webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { DomainError } from '../domain-error';
import { ensurePkijsEngine, subtle } from './crypto-engine';
import { scanPem, toPem } from './pem';
import { CertificateView, parseCertificate } from './x509-model';

type CryptoKey = webcrypto.CryptoKey;

export type HubCaErrorCode = 'CA_FILES_INVALID' | 'CA_KEY_MISMATCH';
export class HubCaError extends DomainError<HubCaErrorCode> {}

export interface NameSpec {
  CN: string;
  O?: string;
  C?: string;
}

export interface CertificateTemplate {
  subject: NameSpec | pkijs.RelativeDistinguishedNames;
  publicKey: pkijs.PublicKeyInfo;
  serial: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  extensions: pkijs.Extension[];
}

/** What signing needs from a CA: its certificate (as issuer) and a signature, nothing else. */
export interface CaSigner {
  readonly issuing: CertificateView;
  readonly root: CertificateView;
  /** Issuing intermediate then root, PEM: what participants install to trust the hub. */
  chainPem(): string;
  issue(template: CertificateTemplate): Promise<Uint8Array>;
}

const rsaGen = { name: 'RSASSA-PKCS1-v1_5', publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' } as const;

/**
 * One attribute per RDN. pkijs would put every attribute of a fresh name into a single
 * multi-valued RDN ("C = GB + O = … + CN = …"), so the encoding is built here and parsed back.
 */
export function buildName(spec: NameSpec): pkijs.RelativeDistinguishedNames {
  const rdns: asn1js.Set[] = [];
  const add = (type: string, value: asn1js.BaseStringBlock) =>
    rdns.push(new asn1js.Set({ value: [new pkijs.AttributeTypeAndValue({ type, value }).toSchema()] }));
  if (spec.C) add('2.5.4.6', new asn1js.PrintableString({ value: spec.C }));
  if (spec.O) add('2.5.4.10', new asn1js.Utf8String({ value: spec.O }));
  add('2.5.4.3', new asn1js.Utf8String({ value: spec.CN }));
  const der = new asn1js.Sequence({ value: rdns }).toBER(false);
  return new pkijs.RelativeDistinguishedNames({ schema: asn1js.fromBER(der).result });
}

/** 128 random bits, positive, never with a leading zero octet (PKI-NOTES B.9). */
export function randomSerial(): Uint8Array {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = ((bytes[0] as number) & 0x7f) | 0x40;
  return bytes;
}

export async function subjectKeyId(publicKey: pkijs.PublicKeyInfo): Promise<Uint8Array> {
  return new Uint8Array(await subtle.digest('SHA-1', publicKey.subjectPublicKey.valueBlock.valueHexView));
}

export function extension(extnID: string, critical: boolean, value: { toSchema(): asn1js.AsnType } | asn1js.AsnType): pkijs.Extension {
  const schema = 'toSchema' in value && typeof value.toSchema === 'function' ? value.toSchema() : (value as asn1js.AsnType);
  return new pkijs.Extension({ extnID, critical, extnValue: schema.toBER(false) });
}

/** keyUsage BIT STRING with the right unused-bits count (PKI-NOTES pitfall). */
export function keyUsageBits(bits: number[]): asn1js.BitString {
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(highest < 8 ? 1 : 2);
  for (const bit of bits) bytes[bit >> 3] = (bytes[bit >> 3] as number) | (0x80 >> (bit & 7));
  return new asn1js.BitString({ valueHex: bytes.buffer, unusedBits: bytes.length * 8 - 1 - highest });
}

/** Dates up to 2049 as UTCTime, from 2050 as GeneralizedTime (RFC 5280 4.1.2.5). */
function time(value: Date): pkijs.Time {
  return new pkijs.Time({ type: value.getUTCFullYear() >= 2050 ? 1 : 0, value });
}

/** WebCrypto's r‖s → ECDSA-Sig-Value (SEQUENCE of two INTEGERs). */
function ecdsaRawToDer(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  const integer = (bytes: Uint8Array) => {
    let start = 0;
    while (start < bytes.length - 1 && bytes[start] === 0) start++;
    const body = bytes.subarray(start);
    return new asn1js.Integer({ valueHex: ((body[0] as number) & 0x80 ? new Uint8Array([0, ...body]) : body.slice()).buffer });
  };
  return new Uint8Array(new asn1js.Sequence({ value: [integer(raw.subarray(0, half)), integer(raw.subarray(half))] }).toBER(false));
}

/** A DER SEQUENCE around already-encoded parts (definite length, minimal length octets). */
function derSequence(parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const lengthOctets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) lengthOctets.unshift(rest % 256);
  const header = length < 128 ? [0x30, length] : [0x30, 0x80 | lengthOctets.length, ...lengthOctets];
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  let offset = header.length;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function signCertificate(template: CertificateTemplate, issuerName: pkijs.RelativeDistinguishedNames, key: CryptoKey): Promise<Uint8Array> {
  ensurePkijsEngine();
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: template.serial.slice().buffer });
  cert.issuer = issuerName;
  cert.subject = template.subject instanceof pkijs.RelativeDistinguishedNames ? template.subject : buildName(template.subject);
  cert.notBefore = time(template.notBefore);
  cert.notAfter = time(template.notAfter);
  cert.subjectPublicKeyInfo = template.publicKey;
  cert.extensions = template.extensions;
  // Signed here rather than by pkijs: RSA algorithm identifiers need explicit NULL parameters
  // (RFC 4055), which pkijs leaves out, and ECDSA signatures must be DER-encoded.
  const isEc = key.algorithm.name === 'ECDSA';
  const algorithm = new pkijs.AlgorithmIdentifier(
    isEc ? { algorithmId: '1.2.840.10045.4.3.2' } : { algorithmId: '1.2.840.113549.1.1.11', algorithmParams: new asn1js.Null() },
  );
  cert.signature = algorithm;
  cert.signatureAlgorithm = algorithm;
  const tbs = new Uint8Array(cert.encodeTBS().toBER(false));
  const raw = new Uint8Array(
    await subtle.sign(isEc ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' }, key, tbs),
  );
  const signature = isEc ? ecdsaRawToDer(raw) : raw;
  return derSequence([
    tbs,
    new Uint8Array(algorithm.toSchema().toBER(false)),
    new Uint8Array(new asn1js.BitString({ valueHex: signature.slice().buffer }).toBER(false)),
  ]);
}

async function caExtensions(publicKey: pkijs.PublicKeyInfo, issuerKeyId: Uint8Array | null, pathLen?: number): Promise<pkijs.Extension[]> {
  const ski = await subjectKeyId(publicKey);
  const exts = [
    extension('2.5.29.19', true, new pkijs.BasicConstraints({ cA: true, ...(pathLen === undefined ? {} : { pathLenConstraint: pathLen }) })),
    extension('2.5.29.15', true, keyUsageBits([0, 5, 6])), // digitalSignature, keyCertSign, cRLSign
    extension('2.5.29.14', false, new asn1js.OctetString({ valueHex: ski.slice().buffer })),
  ];
  const aki = issuerKeyId ?? ski;
  exts.push(extension('2.5.29.35', false, new pkijs.AuthorityKeyIdentifier({ keyIdentifier: new asn1js.OctetString({ valueHex: aki.slice().buffer }) })));
  return exts;
}

async function publicKeyInfo(key: CryptoKey): Promise<pkijs.PublicKeyInfo> {
  const spki = await subtle.exportKey('spki', key);
  return new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(spki).result });
}

async function importSigningKey(keyObject: KeyObject): Promise<CryptoKey> {
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  if (keyObject.asymmetricKeyType === 'rsa') {
    return subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
  }
  if (keyObject.asymmetricKeyType === 'ec') {
    const curve = keyObject.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256';
    return subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: curve }, false, ['sign']);
  }
  throw new HubCaError('CA_FILES_INVALID', `unsupported CA key type ${keyObject.asymmetricKeyType ?? 'unknown'}`);
}

function firstCertificate(pem: string, what: string): CertificateView {
  const block = scanPem(pem).blocks.find((b) => b.label === 'CERTIFICATE');
  if (!block) throw new HubCaError('CA_FILES_INVALID', `${what}: no CERTIFICATE block`);
  return parseCertificate(block.der);
}

export interface CaFiles {
  rootCertPem: string;
  issuingCertPem: string;
  issuingKeyPem: string;
  /** For an encrypted PKCS#8 key. */
  passphrase?: string;
}

export interface EmbeddedCaOptions {
  dir: string;
  hubName: string;
  now?: Date;
}

export class LocalHubCa implements CaSigner {
  private constructor(
    readonly root: CertificateView,
    readonly issuing: CertificateView,
    private readonly issuingKey: CryptoKey,
  ) {}

  chainPem(): string {
    return toPem('CERTIFICATE', this.issuing.der) + toPem('CERTIFICATE', this.root.der);
  }

  issue(template: CertificateTemplate): Promise<Uint8Array> {
    return signCertificate(template, this.issuing.pkijs.subject, this.issuingKey);
  }

  /** Production: CA material from PEM files; checks that the key belongs to the issuing certificate. */
  static async fromFiles(files: CaFiles): Promise<LocalHubCa> {
    ensurePkijsEngine();
    const root = firstCertificate(files.rootCertPem, 'root certificate');
    const issuing = firstCertificate(files.issuingCertPem, 'issuing certificate');
    let keyObject: KeyObject;
    try {
      keyObject = createPrivateKey({ key: files.issuingKeyPem, format: 'pem', ...(files.passphrase ? { passphrase: files.passphrase } : {}) });
    } catch (err) {
      throw new HubCaError('CA_FILES_INVALID', `issuing key unreadable (wrong passphrase?): ${(err as Error).message}`);
    }
    const ca = new LocalHubCa(root, issuing, await importSigningKey(keyObject));
    await ca.assertKeyMatchesCertificate();
    if (!(await issuing.pkijs.verify(root.pkijs))) {
      throw new HubCaError('CA_FILES_INVALID', 'the issuing certificate is not signed by the root certificate');
    }
    return ca;
  }

  /** Development: generate once into `dir` (keys 0600), reuse after. */
  static async openEmbedded(opts: EmbeddedCaOptions): Promise<LocalHubCa> {
    const files = {
      root: path.join(opts.dir, 'root.cert.pem'),
      issuingCert: path.join(opts.dir, 'issuing.cert.pem'),
      issuingKey: path.join(opts.dir, 'issuing.key.pem'),
      rootKey: path.join(opts.dir, 'root.key.pem'),
      chain: path.join(opts.dir, 'ca-chain.pem'),
    };
    if (existsSync(files.root) && existsSync(files.issuingCert) && existsSync(files.issuingKey)) {
      return LocalHubCa.fromFiles({
        rootCertPem: await readFile(files.root, 'utf8'),
        issuingCertPem: await readFile(files.issuingCert, 'utf8'),
        issuingKeyPem: await readFile(files.issuingKey, 'utf8'),
      });
    }
    ensurePkijsEngine();
    await mkdir(opts.dir, { recursive: true, mode: 0o700 });
    const now = opts.now ?? new Date();
    const years = (n: number) => new Date(Date.UTC(now.getUTCFullYear() + n, now.getUTCMonth(), now.getUTCDate()));
    const notBefore = new Date(now.getTime() - 60 * 60 * 1000);

    const rootKeys = (await subtle.generateKey({ ...rsaGen, modulusLength: 3072 }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const rootSpki = await publicKeyInfo(rootKeys.publicKey);
    const rootName = buildName({ CN: `${opts.hubName} Root CA`, O: opts.hubName });
    const rootDer = await signCertificate(
      { subject: rootName, publicKey: rootSpki, serial: randomSerial(), notBefore, notAfter: years(20), extensions: await caExtensions(rootSpki, null) },
      rootName,
      rootKeys.privateKey,
    );

    const issuingKeys = (await subtle.generateKey({ ...rsaGen, modulusLength: 2048 }, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const issuingSpki = await publicKeyInfo(issuingKeys.publicKey);
    const issuingDer = await signCertificate(
      {
        subject: { CN: `${opts.hubName} Issuing CA 1`, O: opts.hubName },
        publicKey: issuingSpki,
        serial: randomSerial(),
        notBefore,
        notAfter: years(10),
        extensions: await caExtensions(issuingSpki, await subjectKeyId(rootSpki), 0),
      },
      rootName,
      rootKeys.privateKey,
    );

    const writeSecret = async (file: string, der: ArrayBuffer) => {
      const tmp = `${file}.tmp`;
      await writeFile(tmp, toPem('PRIVATE KEY', der), { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
    };
    await writeSecret(files.rootKey, await subtle.exportKey('pkcs8', rootKeys.privateKey));
    await writeSecret(files.issuingKey, await subtle.exportKey('pkcs8', issuingKeys.privateKey));
    await writeFile(files.root, toPem('CERTIFICATE', rootDer));
    await writeFile(files.issuingCert, toPem('CERTIFICATE', issuingDer));
    await writeFile(files.chain, toPem('CERTIFICATE', issuingDer) + toPem('CERTIFICATE', rootDer));
    // Re-open from disk: the same path a restart takes, and the key becomes non-extractable.
    return LocalHubCa.openEmbedded(opts);
  }

  private async assertKeyMatchesCertificate(): Promise<void> {
    const probe = new TextEncoder().encode('hub-ca-key-check');
    const algorithm = this.issuingKey.algorithm.name === 'ECDSA' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'RSASSA-PKCS1-v1_5' };
    const signature = await subtle.sign(algorithm, this.issuingKey, probe);
    const publicKey = await this.issuing.pkijs.getPublicKey();
    const ok = await subtle.verify(algorithm, publicKey as unknown as CryptoKey, signature, probe);
    if (!ok) throw new HubCaError('CA_KEY_MISMATCH', 'the issuing key does not belong to the issuing certificate');
  }
}
