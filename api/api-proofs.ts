/**
 * The API's proofs (see workflows/frame/proof.ts): an Ed25519 key of the API, in a 0600 file under
 * DATA_DIR, signs every decision, submission, round request and halt it passes on, naming the
 * principal it authenticated. The workflow checks them with the public key it was started with.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { apiProofMessage, type ApiProof, type ApiSigner } from '../workflows/messages';

export class ApiProver {
  readonly signer: ApiSigner;

  constructor(private readonly key: KeyObject) {
    const raw = Buffer.from(createPublicKey(key).export({ format: 'jwk' }).x ?? '', 'base64url');
    this.signer = { kid: createHash('sha256').update(raw).digest('hex').slice(0, 16), publicKey: raw.toString('hex') };
  }

  /** The key in `file`, made (Ed25519, PKCS#8, 0600) when it does not exist yet. */
  static fromFile(file: string): ApiProver {
    if (!existsSync(file)) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync('ed25519');
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      // Another process may have made it meanwhile: the first one in place wins, and both read it.
      if (!existsSync(file)) renameSync(tmp, file);
    }
    return new ApiProver(createPrivateKey(readFileSync(file, 'utf8')));
  }

  /** A key of its own, for tests and one-process tools. */
  static ephemeral(): ApiProver {
    return new ApiProver(generateKeyPairSync('ed25519').privateKey);
  }

  prove(fields: Parameters<typeof apiProofMessage>[0]): ApiProof {
    return { kid: this.signer.kid, signature: sign(null, Buffer.from(apiProofMessage(fields), 'utf8'), this.key).toString('hex') };
  }
}

/** Where the API's proof key lives under DATA_DIR (every API process of the hub shares it). */
export function apiProofKeyFile(dataDir: string): string {
  return path.join(dataDir, 'api', 'proof-signing.key');
}
