/**
 * Signature verification on Node's crypto (OpenSSL) with public keys cached by SPKI hash: key
 * import costs more than an RSA verification (PKI-NOTES), and issuer keys recur across bundles.
 * Verification is synchronous: an RSA-2048 verify takes ≈ 15 µs, less than a thread-pool hop.
 * Only public keys are cached.
 */
import { constants, createPublicKey, KeyObject, verify } from 'node:crypto';
import { LruCache } from './lru-cache';
import type { KeyView, SignatureView } from './x509-views';

/** Public keys by SPKI hash; `null` remembers an SPKI OpenSSL cannot read. */
const keyCache = new LruCache<string, KeyObject | null>(1024);

/** The key, or null when OpenSSL cannot read the SPKI (the signature then does not verify). */
function publicKey(signer: SignerKey): KeyObject | null {
  const hit = keyCache.get(signer.key.spkiSha256);
  if (hit !== undefined) return hit;
  let key: KeyObject | null;
  try {
    key = createPublicKey({
      key: Buffer.from(signer.spkiDer.buffer, signer.spkiDer.byteOffset, signer.spkiDer.length),
      format: 'der',
      type: 'spki',
    });
  } catch {
    key = null;
  }
  keyCache.set(signer.key.spkiSha256, key);
  return key;
}

const nodeHashes: Record<string, string> = {
  'SHA-1': 'sha1',
  'SHA-224': 'sha224',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
  MD5: 'md5',
};

export interface SignerKey {
  spkiDer: Uint8Array;
  key: KeyView;
}

/** Which key types may produce a signature of each family. */
const keyFits: Record<SignatureView['family'], (key: KeyView) => boolean> = {
  RSA: (k) => k.algorithm === 'RSA',
  'RSA-PSS': (k) => k.algorithm === 'RSA' || k.oid === '1.2.840.113549.1.1.10',
  ECDSA: (k) => k.algorithm === 'EC',
  EdDSA: (k) => k.algorithm === 'Ed25519',
  unknown: () => false,
};

/**
 * Verifies `signature` over `data` with `signer`'s key: RSA PKCS#1 v1.5, RSA-PSS, ECDSA (DER
 * signature, any curve OpenSSL knows) and Ed25519. `false` when it does not verify or the key
 * does not fit the algorithm; `null` when the algorithm itself is unknown or unsupported.
 */
export function verifySignature(signer: SignerKey, algorithm: SignatureView, signature: Uint8Array, data: Uint8Array): boolean | null {
  const hash = algorithm.family === 'EdDSA' ? null : nodeHashes[algorithm.hash ?? ''];
  if (algorithm.family === 'unknown' || (algorithm.family !== 'EdDSA' && hash === undefined)) return null;
  if (!keyFits[algorithm.family](signer.key)) return false;
  const key = publicKey(signer);
  if (key === null) return false;
  try {
    const target =
      algorithm.family === 'RSA-PSS' ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algorithm.pssSaltLength ?? 20 } : key;
    return verify(hash ?? null, data, target, signature);
  } catch {
    return false;
  }
}
