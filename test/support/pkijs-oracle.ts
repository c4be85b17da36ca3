/**
 * pkijs + asn1js as the reference reader: the facts it extracts from a certificate or CSR, in
 * the same shape as `factsOf(view)` extracts from ours. The product reads DER with its own strict
 * reader (activities/pki/der.ts) for speed; these tests hold it to what pkijs reads.
 */
import { createHash, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import ipaddr from 'ipaddr.js';
import * as pkijs from 'pkijs';
import { CertificateView, CsrView, ExtensionsView, keyUsageNames, oids } from '../../activities/pki/x509-model';

pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'] }));

/** The extension facts both readers state (ours also lists unknown critical and duplicated ones). */
export type ExtensionFacts = Omit<ExtensionsView, 'unknownCritical' | 'duplicated'>;

export interface Facts {
  subject: [string, string][];
  spkiSha256: string;
  keyOid: string;
  rsaBits: number | null;
  rsaExponent: number | null;
  signatureOid: string;
  tbsSha256: string;
  signatureHex: string;
  ext: ExtensionFacts;
  /** Certificates only. */
  cert?: { version: number; issuer: [string, string][]; serialHex: string; notBefore: string; notAfter: string };
}

const sha256 = (b: Uint8Array | ArrayBuffer) => createHash('sha256').update(new Uint8Array(b)).digest('hex');
const hex = (b: Uint8Array | ArrayBuffer) => Buffer.from(new Uint8Array(b)).toString('hex');

function nameFacts(name: pkijs.RelativeDistinguishedNames): [string, string][] {
  return name.typesAndValues.map((tv) => {
    const raw = (tv.value as { valueBlock?: { value?: unknown } }).valueBlock?.value;
    return [tv.type, typeof raw === 'string' ? raw : ''];
  });
}

function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return i === bytes.length ? 0 : (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i] as number));
}

/** The SPKI as submitted (asn1js keeps each node's input bytes): a key's identity is never a re-encoding. */
function spkiBytes(signed: asn1js.AsnType, isCertificate: boolean): Uint8Array {
  const info = (signed as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
  const fields = info.valueBlock.value;
  const index = isCertificate ? (fields[0]?.idBlock.tagClass === 3 ? 6 : 5) : 2;
  return (fields[index] as unknown as { valueBeforeDecodeView: Uint8Array }).valueBeforeDecodeView;
}

function keyFacts(spki: pkijs.PublicKeyInfo, submitted: Uint8Array): Pick<Facts, 'spkiSha256' | 'keyOid' | 'rsaBits' | 'rsaExponent'> {
  const facts = { spkiSha256: sha256(submitted), keyOid: spki.algorithm.algorithmId, rsaBits: null as number | null, rsaExponent: null as number | null };
  if (spki.algorithm.algorithmId === oids.rsaEncryption && spki.parsedKey instanceof pkijs.RSAPublicKey) {
    facts.rsaBits = bitLength(spki.parsedKey.modulus.valueBlock.valueHexView);
    facts.rsaExponent = Number(spki.parsedKey.publicExponent.toBigInt());
  }
  return facts;
}

function extensionFacts(extensions: pkijs.Extension[] | undefined): ExtensionFacts {
  const facts: ExtensionFacts = { basicConstraints: null, keyUsage: null, extKeyUsage: null, sanDns: [], sanIps: [], subjectKeyId: null, authorityKeyId: null };
  for (const ext of extensions ?? []) {
    const critical = ext.critical === true;
    const parsed: unknown = ext.parsedValue;
    if (ext.extnID === oids.basicConstraints && parsed instanceof pkijs.BasicConstraints) {
      const pathLen = parsed.pathLenConstraint;
      facts.basicConstraints = {
        cA: parsed.cA === true,
        pathLen: typeof pathLen === 'number' ? pathLen : pathLen instanceof asn1js.Integer ? pathLen.valueBlock.valueDec : null,
        critical,
      };
    } else if (ext.extnID === oids.keyUsage && parsed instanceof asn1js.BitString) {
      const bytes = parsed.valueBlock.valueHexView;
      facts.keyUsage = { usages: keyUsageNames.filter((_, bit) => ((bytes[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0), critical };
    } else if (ext.extnID === oids.extKeyUsage && parsed instanceof pkijs.ExtKeyUsage) {
      facts.extKeyUsage = [...parsed.keyPurposes];
    } else if (ext.extnID === oids.subjectAltName && parsed instanceof pkijs.AltName) {
      for (const name of parsed.altNames) {
        if (name.type === 2 && typeof name.value === 'string') facts.sanDns.push(name.value.toLowerCase());
        if (name.type === 7 && name.value instanceof asn1js.OctetString) {
          const bytes = name.value.valueBlock.valueHexView;
          facts.sanIps.push(bytes.length === 4 || bytes.length === 16 ? ipaddr.fromByteArray(Array.from(bytes)).toString() : `invalid(${hex(bytes)})`);
        }
      }
    } else if (ext.extnID === oids.subjectKeyIdentifier && parsed instanceof asn1js.OctetString) {
      facts.subjectKeyId = hex(parsed.valueBlock.valueHexView);
    } else if (ext.extnID === oids.authorityKeyIdentifier && parsed instanceof pkijs.AuthorityKeyIdentifier) {
      facts.authorityKeyId = parsed.keyIdentifier ? hex(parsed.keyIdentifier.valueBlock.valueHexView) : null;
    }
  }
  return facts;
}

function parseAsn1(der: Uint8Array): asn1js.AsnType {
  const parsed = asn1js.fromBER(der.slice().buffer);
  if (parsed.offset === -1 || parsed.offset !== der.length) throw new Error('pkijs: not one DER object');
  return parsed.result;
}

/** What pkijs reads from a certificate; throws when pkijs cannot read it. */
export function pkijsCertificateFacts(der: Uint8Array): Facts {
  const asn = parseAsn1(der);
  const cert = new pkijs.Certificate({ schema: asn });
  return {
    subject: nameFacts(cert.subject),
    ...keyFacts(cert.subjectPublicKeyInfo, spkiBytes(asn, true)),
    signatureOid: cert.signatureAlgorithm.algorithmId,
    tbsSha256: sha256(cert.tbsView),
    signatureHex: hex(cert.signatureValue.valueBlock.valueHexView),
    ext: extensionFacts(cert.extensions),
    cert: {
      version: cert.version + 1,
      issuer: nameFacts(cert.issuer),
      serialHex: hex(cert.serialNumber.valueBlock.valueHexView),
      notBefore: cert.notBefore.value.toISOString(),
      notAfter: cert.notAfter.value.toISOString(),
    },
  };
}

export function pkijsCsrFacts(der: Uint8Array): Facts {
  const asn = parseAsn1(der);
  const csr = new pkijs.CertificationRequest({ schema: asn });
  const requested: pkijs.Extension[] = [];
  for (const attribute of csr.attributes ?? []) {
    if (attribute.type !== oids.extensionRequest) continue;
    for (const value of attribute.values) requested.push(...new pkijs.Extensions({ schema: value }).extensions);
  }
  return {
    subject: nameFacts(csr.subject),
    ...keyFacts(csr.subjectPublicKeyInfo, spkiBytes(asn, false)),
    signatureOid: csr.signatureAlgorithm.algorithmId,
    tbsSha256: sha256(csr.tbsView),
    signatureHex: hex(csr.signatureValue.valueBlock.valueHexView),
    ext: extensionFacts(requested),
  };
}

function ourExtensionFacts(ext: ExtensionsView): ExtensionFacts {
  return {
    basicConstraints: ext.basicConstraints,
    keyUsage: ext.keyUsage,
    extKeyUsage: ext.extKeyUsage,
    sanDns: ext.sanDns,
    sanIps: ext.sanIps,
    subjectKeyId: ext.subjectKeyId,
    authorityKeyId: ext.authorityKeyId,
  };
}

/** The same facts from our views. */
export function factsOf(view: CertificateView | CsrView): Facts {
  const common = {
    subject: view.subject.attributes.map((a) => [a.oid, a.value] as [string, string]),
    spkiSha256: view.key.spkiSha256,
    keyOid: view.key.oid,
    rsaBits: view.key.rsaBits,
    rsaExponent: view.key.rsaExponent,
    signatureOid: view.signature.oid,
    tbsSha256: sha256(view.tbs),
    signatureHex: hex(view.signatureValue),
  };
  if ('requested' in view) return { ...common, ext: ourExtensionFacts(view.requested) };
  return {
    ...common,
    ext: ourExtensionFacts(view.ext),
    cert: {
      version: view.version,
      issuer: view.issuer.attributes.map((a) => [a.oid, a.value] as [string, string]),
      serialHex: view.serialHex,
      notBefore: view.notBefore.toISOString(),
      notAfter: view.notAfter.toISOString(),
    },
  };
}
