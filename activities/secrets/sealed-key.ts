/**
 * Private keys the hub keeps at rest (its client keys towards participants, its JWT keys): an
 * encrypted PKCS#8 PEM (AES-256-CBC), the passphrase a 256-bit secret from DATA_DIR
 * (loadOrCreateSecretKey). What is stored never opens without that file.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';

export class KeySeal {
  readonly #passphrase: string;

  /** @param secretKey 32 bytes from DATA_DIR (loadOrCreateSecretKey). */
  constructor(secretKey: Buffer) {
    this.#passphrase = secretKey.toString('base64url');
  }

  /** The private key as the encrypted PEM to store. */
  seal(privateKey: KeyObject): string {
    return privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: this.#passphrase }).toString();
  }

  open(sealedPem: string): KeyObject {
    return createPrivateKey({ key: sealedPem, format: 'pem', passphrase: this.#passphrase });
  }
}
