/**
 * The hub CA's embedded adapter: a root and an issuing intermediate. In development they are
 * generated on first start into a data folder (keys 0600) and reused after; in production they
 * are loaded from PEM files (issuing key as encrypted PKCS#8). The private keys are held in
 * private class fields as Node KeyObjects and never leave this module.
 */
import { createPrivateKey, generateKeyPair, KeyObject, sign as signCallback } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DomainError } from '../domain-error';
import type * as pkijs from 'pkijs';
import {
  buildCertificate,
  buildName,
  CertificateTemplate,
  extensions,
  keyIdentifier,
  nameFromDer,
  randomSerial,
  signatureAlgorithmFor,
  signCertificate,
} from './certificate-builder';
import { scanPem, toPem } from './pem';
import { verifySignature } from './signature-verify';
import { CertificateView, parseCertificate, signedBy } from './x509-model';

export type HubCaErrorCode = 'CA_FILES_INVALID' | 'CA_KEY_MISMATCH';
export class HubCaError extends DomainError<HubCaErrorCode> {}

/** What signing needs from a CA: its certificate (as issuer) and a signature, nothing else. */
export interface CaSigner {
  readonly issuing: CertificateView;
  readonly root: CertificateView;
  /** Issuing intermediate then root, PEM: what participants install to trust the hub. */
  chainPem(): string;
  issue(template: CertificateTemplate): Promise<Uint8Array>;
}

// The callback form runs on the libuv thread pool: concurrent issuances use every core.
const signAsync = promisify(signCallback);
const generateRsa = (modulusLength: number) => promisify(generateKeyPair)('rsa', { modulusLength, publicExponent: 0x10001 });

/** Builds the certificate with pkijs, signs its TBS with `key`, and returns the certificate DER. */
function issueWith(template: CertificateTemplate, issuerName: pkijs.RelativeDistinguishedNames, key: KeyObject): Promise<Uint8Array> {
  const algorithm = signatureAlgorithmFor(key);
  return signCertificate(
    buildCertificate(template, issuerName, algorithm),
    async (tbs) => new Uint8Array(await signAsync(algorithm.hash, tbs, key)),
  );
}

function caExtensions(spkiDer: Uint8Array, issuerKeyId: Uint8Array | null, pathLen?: number): pkijs.Extension[] {
  const ski = keyIdentifier(spkiDer);
  return [
    extensions.basicConstraints(true, pathLen),
    extensions.keyUsage([0, 5, 6]), // digitalSignature, keyCertSign, cRLSign
    extensions.subjectKeyIdentifier(ski),
    extensions.authorityKeyIdentifier(issuerKeyId ?? ski),
  ];
}

const spkiOf = (key: KeyObject) => new Uint8Array(key.export({ type: 'spki', format: 'der' }));

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
  readonly #issuingKey: KeyObject;
  readonly #chainPem: string;
  /** The issuing CA's subject as encoded: the issuer of everything it signs, byte for byte. */
  readonly #issuerName: pkijs.RelativeDistinguishedNames;

  private constructor(
    readonly root: CertificateView,
    readonly issuing: CertificateView,
    issuingKey: KeyObject,
  ) {
    this.#issuingKey = issuingKey;
    this.#chainPem = toPem('CERTIFICATE', issuing.der) + toPem('CERTIFICATE', root.der);
    this.#issuerName = nameFromDer(issuing.subjectDer);
  }

  chainPem(): string {
    return this.#chainPem;
  }

  issue(template: CertificateTemplate): Promise<Uint8Array> {
    return issueWith(template, this.#issuerName, this.#issuingKey);
  }

  /** Production: CA material from PEM files; checks that the key belongs to the issuing certificate. */
  static async fromFiles(files: CaFiles): Promise<LocalHubCa> {
    const root = firstCertificate(files.rootCertPem, 'root certificate');
    const issuing = firstCertificate(files.issuingCertPem, 'issuing certificate');
    let keyObject: KeyObject;
    try {
      keyObject = createPrivateKey({
        key: files.issuingKeyPem,
        format: 'pem',
        ...(files.passphrase ? { passphrase: files.passphrase } : {}),
      });
    } catch (err) {
      throw new HubCaError('CA_FILES_INVALID', `issuing key unreadable (wrong passphrase?): ${(err as Error).message}`);
    }
    if (keyObject.asymmetricKeyType !== 'rsa' && keyObject.asymmetricKeyType !== 'ec') {
      throw new HubCaError('CA_FILES_INVALID', `unsupported CA key type ${keyObject.asymmetricKeyType ?? 'unknown'}`);
    }
    const ca = new LocalHubCa(root, issuing, keyObject);
    ca.assertKeyMatchesCertificate();
    if (!signedBy(issuing, root)) {
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
    await mkdir(opts.dir, { recursive: true, mode: 0o700 });
    const now = opts.now ?? new Date();
    const years = (n: number) => new Date(Date.UTC(now.getUTCFullYear() + n, now.getUTCMonth(), now.getUTCDate()));
    const notBefore = new Date(now.getTime() - 60 * 60 * 1000);

    const rootKeys = await generateRsa(3072);
    const rootSpki = spkiOf(rootKeys.publicKey);
    const rootName = buildName({ CN: `${opts.hubName} Root CA`, O: opts.hubName });
    const rootDer = await issueWith(
      {
        subject: rootName,
        spkiDer: rootSpki,
        serial: randomSerial(),
        notBefore,
        notAfter: years(20),
        extensions: caExtensions(rootSpki, null),
      },
      rootName,
      rootKeys.privateKey,
    );

    const issuingKeys = await generateRsa(2048);
    const issuingSpki = spkiOf(issuingKeys.publicKey);
    const issuingDer = await issueWith(
      {
        subject: buildName({ CN: `${opts.hubName} Issuing CA 1`, O: opts.hubName }),
        spkiDer: issuingSpki,
        serial: randomSerial(),
        notBefore,
        notAfter: years(10),
        extensions: caExtensions(issuingSpki, keyIdentifier(rootSpki), 0),
      },
      rootName,
      rootKeys.privateKey,
    );

    const writeSecret = async (file: string, key: KeyObject) => {
      const tmp = `${file}.tmp`;
      await writeFile(tmp, key.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
    };
    await writeSecret(files.rootKey, rootKeys.privateKey);
    await writeSecret(files.issuingKey, issuingKeys.privateKey);
    await writeFile(files.root, toPem('CERTIFICATE', rootDer));
    await writeFile(files.issuingCert, toPem('CERTIFICATE', issuingDer));
    await writeFile(files.chain, toPem('CERTIFICATE', issuingDer) + toPem('CERTIFICATE', rootDer));
    // Re-open from disk: the same path a restart takes.
    return LocalHubCa.openEmbedded(opts);
  }

  private assertKeyMatchesCertificate(): void {
    const probe = Buffer.from('hub-ca-key-check');
    const hash = signatureAlgorithmFor(this.#issuingKey).hash;
    const signature = signCallback(hash, probe, this.#issuingKey);
    const family = this.#issuingKey.asymmetricKeyType === 'ec' ? 'ECDSA' : 'RSA';
    if (verifySignature(this.issuing, { oid: '', hash: hash === 'sha384' ? 'SHA-384' : 'SHA-256', family }, signature, probe) !== true) {
      throw new HubCaError('CA_KEY_MISMATCH', 'the issuing key does not belong to the issuing certificate');
    }
  }
}
