/**
 * Signature verification on Node's WebCrypto with imported public keys cached by SPKI hash: key
 * import under OpenSSL 3 costs more than the verification itself (PKI-NOTES), and issuer keys
 * recur across bundles. Only public keys are cached.
 */
import { webcrypto } from 'node:crypto';
import { subtle } from './crypto-engine';
import type { KeyView, SignatureView } from './x509-model';

type CryptoKey = webcrypto.CryptoKey;

const maxCachedKeys = 1024;
const keyCache = new Map<string, Promise<CryptoKey>>();

const webCryptoHashes = new Set(['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']);

function importCached(cacheKey: string, spkiDer: Uint8Array, algorithm: webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams): Promise<CryptoKey> {
  const hit = keyCache.get(cacheKey);
  if (hit) {
    keyCache.delete(cacheKey); // refresh LRU position
    keyCache.set(cacheKey, hit);
    return hit;
  }
  const imported = subtle.importKey('spki', spkiDer, algorithm, false, ['verify']);
  imported.catch(() => keyCache.delete(cacheKey));
  keyCache.set(cacheKey, imported);
  if (keyCache.size > maxCachedKeys) keyCache.delete(keyCache.keys().next().value as string);
  return imported;
}

/** ECDSA-Sig-Value (DER SEQUENCE of two INTEGERs) → r‖s as WebCrypto expects. */
function ecdsaDerToRaw(der: Uint8Array, size: number): Uint8Array | null {
  if (der.length < 8 || der[0] !== 0x30) return null;
  let offset = 2;
  if ((der[1] as number) & 0x80) offset = 2 + ((der[1] as number) & 0x7f);
  const out = new Uint8Array(size * 2);
  for (let part = 0; part < 2; part++) {
    if (der[offset] !== 0x02) return null;
    const len = der[offset + 1] as number;
    let value = der.subarray(offset + 2, offset + 2 + len);
    while (value.length > size && value[0] === 0) value = value.subarray(1);
    if (value.length > size) return null;
    out.set(value, part * size + (size - value.length));
    offset += 2 + len;
  }
  return out;
}

export interface SignerKey {
  spkiDer: Uint8Array;
  key: KeyView;
}

/**
 * Verifies `signature` over `data` with `signer`'s key for RSA PKCS#1 v1.5 and ECDSA P-256/P-384;
 * `null` when the algorithm is outside that set (the caller may fall back to pkijs).
 */
export async function verifySignature(signer: SignerKey, algorithm: SignatureView, signature: Uint8Array, data: Uint8Array): Promise<boolean | null> {
  const hash = algorithm.hash;
  if (hash === null || !webCryptoHashes.has(hash)) return null;
  try {
    if (algorithm.family === 'RSA' && signer.key.algorithm === 'RSA') {
      const key = await importCached(`${signer.key.spkiSha256}:RSA:${hash}`, signer.spkiDer, { name: 'RSASSA-PKCS1-v1_5', hash });
      return await subtle.verify('RSASSA-PKCS1-v1_5', key, signature, data);
    }
    if (algorithm.family === 'ECDSA' && signer.key.algorithm === 'EC' && (signer.key.curve === 'P-256' || signer.key.curve === 'P-384')) {
      const raw = ecdsaDerToRaw(signature, signer.key.curve === 'P-256' ? 32 : 48);
      if (raw === null) return false;
      const key = await importCached(`${signer.key.spkiSha256}:EC`, signer.spkiDer, { name: 'ECDSA', namedCurve: signer.key.curve });
      return await subtle.verify({ name: 'ECDSA', hash }, key, raw, data);
    }
  } catch {
    return false;
  }
  return null;
}
