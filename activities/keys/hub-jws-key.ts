/**
 * The hub's own JWS signing key (seed 004: "share your JWS public key"): RSA 2048 for RS256, made
 * once under DATA_DIR/jws (private key 0600, never in workflow history) and published in the JWS
 * key directory as participant `@hub` (not a valid participant id, so no DFSP can take it) for
 * every environment, so DFSPs fetch it from `GET /jws-keys` like every other key.
 * `rotateHubJwsKey` (an ops action) makes a new one: the old key file is kept beside it as
 * `hub-jws-<kid>.retired.key`, and the old public key stays in the directory for the overlap.
 */
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK } from 'jose';
import { environments } from '../../workflows/vocabulary';
import { parsePublicKey } from '../pki/x509-model';
import { hubKeyOwner, type ParticipantKeyDirectory } from './participant-keys';

export { hubKeyOwner };

/** The hub's current JWS signing key file in `dir`. */
export function hubJwsKeyFile(dir: string): string {
  return path.join(dir, 'hub-jws.key');
}

/** A rotation under way: its next key, and the journal that says when it began and its overlap. */
const nextKeyFile = (dir: string) => path.join(dir, 'hub-jws.next.key');
const journalFile = (dir: string) => path.join(dir, 'hub-jws.rotation.json');

interface RotationJournal {
  previousKid: string;
  overlapMs: number;
  startedAt: string;
}

/** The key's public facts, and its record in the directory for every environment (idempotent by its SPKI). */
async function publish(
  keyFile: string,
  directory: ParticipantKeyDirectory,
  overlapMs: number,
  now: Date,
): Promise<{ kid: string; publicKeyPem: string }> {
  const publicKey = createPublicKey(readFileSync(keyFile));
  const spkiDer = publicKey.export({ type: 'spki', format: 'der' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const kid = await kidOf(keyFile);
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

function writeNewKey(file: string): void {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
}

/**
 * The hub's current key, made on first use and published; a rotation a crash interrupted is
 * finished first, with the overlap and start time its journal kept (the old key is never retired
 * early, no third key is made).
 */
export async function ensureHubJwsKey(
  dir: string,
  directory: ParticipantKeyDirectory,
  now: Date = new Date(),
): Promise<{ kid: string; publicKeyPem: string }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(journalFile(dir))) return (await completeRotation(dir, directory)).next;
  const keyFile = hubJwsKeyFile(dir);
  if (!existsSync(keyFile)) writeNewKey(keyFile);
  return publish(keyFile, directory, 0, now);
}

/**
 * Finishes the journaled rotation; every step may be repeated: the next key is published with the
 * overlap (scheduling the old key's retirement), the old key file kept as
 * `hub-jws-<kid>.retired.key`, the next key becomes `hub-jws.key`, the journal goes last.
 */
async function completeRotation(
  dir: string,
  directory: ParticipantKeyDirectory,
): Promise<{ journal: RotationJournal; next: { kid: string; publicKeyPem: string } }> {
  const journal = JSON.parse(readFileSync(journalFile(dir), 'utf8')) as RotationJournal;
  const startedAt = new Date(journal.startedAt);
  const current = hubJwsKeyFile(dir);
  // Stopped before the next key was written: write it now (the current key is still the previous one).
  if (!existsSync(nextKeyFile(dir)) && (await kidOf(current)) === journal.previousKid) writeNewKey(nextKeyFile(dir));
  // Stopped after the renames: the next key is already current.
  const nextFile = existsSync(nextKeyFile(dir)) ? nextKeyFile(dir) : current;
  const next = await publish(nextFile, directory, journal.overlapMs, startedAt);
  if (nextFile !== current) {
    const retired = path.join(dir, `hub-jws-${journal.previousKid}.retired.key`);
    if (!existsSync(retired)) renameSync(current, retired);
    renameSync(nextFile, current);
  }
  rmSync(journalFile(dir));
  return { journal, next };
}

async function kidOf(keyFile: string): Promise<string> {
  return calculateJwkThumbprint(await exportJWK(createPublicKey(readFileSync(keyFile))));
}

/**
 * Rotates the hub's JWS key: a new key pair becomes `hub-jws.key` (the old one is kept as
 * `hub-jws-<kid>.retired.key`), recorded for every environment with the overlap, so peers that
 * still hold the old key in their packs keep validating until it ends. A journal makes it
 * crash-safe: whatever the step a crash stopped it at, the next start (`ensureHubJwsKey`) or
 * rotation finishes it. Returns both kids.
 */
export async function rotateHubJwsKey(
  dir: string,
  directory: ParticipantKeyDirectory,
  overlapMs: number,
  now: Date = new Date(),
): Promise<{ previousKid: string; kid: string; previousValidUntil: string }> {
  const previous = await ensureHubJwsKey(dir, directory, now);
  // The journal first: from here on, any crash is finished by the next start.
  const journal: RotationJournal = { previousKid: previous.kid, overlapMs, startedAt: now.toISOString() };
  writeFileSync(journalFile(dir), JSON.stringify(journal), { mode: 0o600 });
  writeNewKey(nextKeyFile(dir));
  const { next } = await completeRotation(dir, directory);
  return { previousKid: previous.kid, kid: next.kid, previousValidUntil: new Date(now.getTime() + overlapMs).toISOString() };
}
