/**
 * One real Keycloak per integration run (`scripts/keycloak.ts`, the pinned 26.7.3 in `.tools/`,
 * in-memory database so the bootstrap admin client applies), started by the integration project's
 * global set-up beside the dev server and shared through TEST_KEYCLOAK_* variables.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type RunningKeycloak, startKeycloak } from '../../scripts/keycloak';

type Holder = { __testKeycloak?: { server: RunningKeycloak; dir: string } };

export interface TestKeycloak {
  url: string;
  adminClientId: string;
  adminClientSecret: string;
}

/** Global set-up: starts Keycloak unless this run has one already. */
export async function ensureTestKeycloak(): Promise<void> {
  if (process.env.TEST_KEYCLOAK_URL) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'test-keycloak-'));
  const adminClientId = 'hub-admin';
  const adminClientSecret = randomBytes(24).toString('base64url');
  const server = await startKeycloak({ dir, adminClientId, adminClientSecret, database: 'memory' });
  process.env.TEST_KEYCLOAK_URL = server.url;
  process.env.TEST_KEYCLOAK_ADMIN_CLIENT_ID = adminClientId;
  process.env.TEST_KEYCLOAK_ADMIN_CLIENT_SECRET = adminClientSecret;
  (globalThis as Holder).__testKeycloak = { server, dir };
}

export async function stopTestKeycloak(): Promise<void> {
  const held = (globalThis as Holder).__testKeycloak;
  if (held === undefined) return;
  delete (globalThis as Holder).__testKeycloak;
  await held.server.stop();
  rmSync(held.dir, { recursive: true, force: true });
}

/** The run's Keycloak; a test outside the integration project's set-up fails here, plainly. */
export function testKeycloak(): TestKeycloak {
  const url = process.env.TEST_KEYCLOAK_URL;
  const adminClientId = process.env.TEST_KEYCLOAK_ADMIN_CLIENT_ID;
  const adminClientSecret = process.env.TEST_KEYCLOAK_ADMIN_CLIENT_SECRET;
  if (!url || !adminClientId || !adminClientSecret)
    throw new Error('TEST_KEYCLOAK_URL is not set: run the tests through jest (the integration global set-up starts Keycloak)');
  return { url, adminClientId, adminClientSecret };
}
