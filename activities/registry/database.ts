/**
 * The registry database: one SQLite file (better-sqlite3) behind kysely, WAL mode so the worker
 * and the authorization server read and write it at once, migrations run on open.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CamelCasePlugin, Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrations } from './migrations';
import type { RegistrySchema } from './schema';

export type RegistryDb = Kysely<RegistrySchema>;

export class MigrationError extends Error {
  readonly code = 'REGISTRY_MIGRATION_FAILED';
}

/** Opens (creating if needed) the registry file and brings it to the latest migration. */
export async function openRegistry(file: string): Promise<RegistryDb> {
  mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  // Two processes write (worker, authorization server): wait for the other's lock instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const db = new Kysely<RegistrySchema>({ dialect: new SqliteDialect({ database: sqlite }), plugins: [new CamelCasePlugin()] });
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(`Registry migration ${failed} failed on ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return db;
}

/** The registry file under DATA_DIR. */
export function registryFile(dataDir: string): string {
  return path.join(dataDir, 'registry', 'registry.sqlite');
}
