/**
 * The key the gateway (nginx) sends the edge's verifying hop with every request it hands on: the
 * hop believes the participant, environment and certificate nginx names only with it, so nothing
 * but the gateway can speak for a certificate. Made once, kept beside the gateway's files (0600).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function ensureEdgeKey(dataDir: string): string {
  const file = path.join(dataDir, 'gateway', 'edge-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
