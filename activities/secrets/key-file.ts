/**
 * Secret keys kept in a file under DATA_DIR (0600, made once): what the hub encrypts data at rest
 * with (secret pickups; through KeySeal, the private keys of its client certificates and its JWT
 * keys). The worker and the API share DATA_DIR; whichever process starts first makes the key, the
 * other reads it.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The 32-byte key in `file`, made (base64url, mode 0600) when the file does not exist. */
export function loadOrCreateSecretKey(file: string): Buffer {
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    writeFileSync(file, `${key.toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    return key;
  } catch (err) {
    // Another process made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64url');
  }
}
