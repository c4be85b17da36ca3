/**
 * Secret keys kept in a file under DATA_DIR (0600, made once): what the hub encrypts data at rest
 * with (secret pickups; through KeySeal, the private keys of its client certificates and its JWT
 * keys). The worker and the API share DATA_DIR; whichever process starts first makes the key, the
 * other reads it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The text of a secret file, written first (mode 0600, its folder 0700) with `make()` when it does
 * not exist. Two processes starting together: the first write wins and both read it.
 */
export function readOrCreateSecretFile(file: string, make: () => string): string {
  if (existsSync(file)) return readFileSync(file, 'utf8');
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(file, make(), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readFileSync(file, 'utf8');
}

/** The 32-byte key in `file`, made (base64url, mode 0600) when the file does not exist. */
export function loadOrCreateSecretKey(file: string): Buffer {
  return Buffer.from(readOrCreateSecretFile(file, () => `${randomBytes(32).toString('base64url')}\n`).trim(), 'base64url');
}
