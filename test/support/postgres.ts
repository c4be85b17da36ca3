/**
 * One real PostgreSQL server per test run (Debian's PostgreSQL 15, `scripts/postgres.ts`), started
 * by the Jest projects' global set-up and shared by every test file through TEST_POSTGRES_URL; each
 * file makes its own databases on it. `registryBackends` runs a registry suite on SQLite and on it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase, type RunningPostgres, startPostgres } from '../../scripts/postgres';
import { freePort } from './dev-server';

type Holder = { __testPostgres?: { server: RunningPostgres; dir: string } };

/** Global set-up: starts the server unless this run already has one (both projects call it). */
export async function ensureTestPostgres(): Promise<void> {
  if (process.env.TEST_POSTGRES_URL) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'test-postgres-'));
  const server = await startPostgres(dir, await freePort());
  process.env.TEST_POSTGRES_URL = server.url();
  (globalThis as Holder).__testPostgres = { server, dir };
}

/** Global tear-down: stops the server if this process started it. */
export async function stopTestPostgres(): Promise<void> {
  const held = (globalThis as Holder).__testPostgres;
  if (held === undefined) return;
  delete (globalThis as Holder).__testPostgres;
  delete process.env.TEST_POSTGRES_URL;
  await held.server.stop();
  rmSync(held.dir, { recursive: true, force: true });
}

/** The run's server (its `postgres` database); a test outside the projects' set-up fails here, plainly. */
export function testPostgresUrl(): string {
  const url = process.env.TEST_POSTGRES_URL;
  if (!url) throw new Error('TEST_POSTGRES_URL is not set: run the tests through jest (its global set-up starts PostgreSQL)');
  return url;
}

/** A new empty database on the run's server, named after what uses it. */
export function newTestDatabase(label: string): Promise<string> {
  const name = `${label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40)}_${randomBytes(4).toString('hex')}`;
  return createDatabase(testPostgresUrl(), /^[a-z]/.test(name) ? name : `t_${name}`);
}

export interface RegistryBackend {
  name: 'SQLite' | 'PostgreSQL';
  /** A fresh registry location (a new file, or a new database) for `label`. */
  location(label: string): Promise<string>;
}

/** For `describe.each(registryBackends)('on $name', …)`: a registry suite runs on both databases. */
export const registryBackends: RegistryBackend[] = [
  { name: 'SQLite', location: async (label) => path.join(mkdtempSync(path.join(tmpdir(), `${label}-`)), 'registry.sqlite') },
  { name: 'PostgreSQL', location: (label) => newTestDatabase(label) },
];
