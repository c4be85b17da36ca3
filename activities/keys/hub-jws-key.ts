/**
 * The hub's own JWS signing key (seed 004: "share your JWS public key"): RSA 2048 for RS256, made
 * once under DATA_DIR/jws (private key 0600, never in workflow history) and published in the JWS
 * key directory as participant `@hub` (not a valid participant id, so no DFSP can take it) for
 * every environment, so DFSPs fetch it from `GET /jws-keys` like every other key.
 */
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { environments } from '../../workflows/vocabulary';
import { parsePublicKey } from '../pki/x509-model';
import type { ParticipantKeyDirectory } from './participant-keys';

export const hubKeyOwner = '@hub';

export async function ensureHubJwsKey(dir: string, directory: ParticipantKeyDirectory): Promise<{ kid: string; publicKeyPem: string }> {
  const keyFile = path.join(dir, 'hub-jws.key');
  if (!existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
  }
  const publicKey = createPublicKey(readFileSync(keyFile));
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
  const spkiSha256 = parsePublicKey(spkiDer).spkiSha256;
  for (const environment of environments) {
    await directory.recordJwsKey(
      {
        participantId: hubKeyOwner,
        environment,
        kid,
        spkiSha256,
        publicKeyPem,
        notAfter: null,
        writeKey: `hub-jws/${environment}/${spkiSha256}`,
      },
      new Date(),
    );
  }
  return { kid, publicKeyPem };
}
