/**
 * The hub's own JWS signing key (seed 004: "share your JWS public key"): RSA 2048 for RS256, made
 * once under DATA_DIR/jws (private key 0600, never in workflow history) and published in the JWS
 * key directory as participant `@hub` (not a valid participant id, so no DFSP can take it) for
 * every environment, so DFSPs fetch it from `GET /jws-keys` like every other key.
 * `rotateHubJwsKey` (an ops action) makes a new one: the old key file is kept beside it as
 * `hub-jws-<kid>.retired.key`, and the old public key stays in the directory for the overlap.
 */
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { environments } from '../../workflows/vocabulary';
import { parsePublicKey } from '../pki/x509-model';
import type { ParticipantKeyDirectory } from './participant-keys';

export const hubKeyOwner = '@hub';

/** The hub's current JWS signing key file in `dir`. */
export function hubJwsKeyFile(dir: string): string {
  return path.join(dir, 'hub-jws.key');
}

export async function ensureHubJwsKey(
  dir: string,
  directory: ParticipantKeyDirectory,
  overlapMs = 0,
  now: Date = new Date(),
): Promise<{ kid: string; publicKeyPem: string }> {
  const keyFile = hubJwsKeyFile(dir);
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
        ...(overlapMs > 0 ? { overlapMs } : {}),
      },
      now,
    );
  }
  return { kid, publicKeyPem };
}

/**
 * Rotates the hub's JWS key: a new key pair becomes `hub-jws.key` (the old one is kept as
 * `hub-jws-<kid>.retired.key`), recorded for every environment with the overlap, so peers that
 * still hold the old key in their packs keep validating until it ends. Returns both kids.
 */
export async function rotateHubJwsKey(
  dir: string,
  directory: ParticipantKeyDirectory,
  overlapMs: number,
  now: Date = new Date(),
): Promise<{ previousKid: string; kid: string; previousValidUntil: string }> {
  const previous = await ensureHubJwsKey(dir, directory, 0, now);
  renameSync(hubJwsKeyFile(dir), path.join(dir, `hub-jws-${previous.kid}.retired.key`));
  const next = await ensureHubJwsKey(dir, directory, overlapMs, now);
  return { previousKid: previous.kid, kid: next.kid, previousValidUntil: new Date(now.getTime() + overlapMs).toISOString() };
}
