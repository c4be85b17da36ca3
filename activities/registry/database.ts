/**
 * The registry database, chosen by one setting (REGISTRY_URL): PostgreSQL (`postgres://…`, kysely's
 * PostgreSQL dialect over a `pg` pool) for a hub of many processes and machines, or — the embedded
 * default — one SQLite file under DATA_DIR (better-sqlite3, WAL mode so the worker, the API and the
 * edge read and write it at once). Either is brought to the latest migration on open; the migrator
 * locks its table, so processes opening one database together migrate it once.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CamelCasePlugin, Kysely, Migrator, PostgresDialect, RawBuilder, SqliteDialect, sql, Transaction } from 'kysely';
import { Mutex } from 'async-mutex';
import pg from 'pg';
import { z } from 'zod';
import { isPostgres } from './dialect';
import { migrations } from './migrations';
import type { RegistrySchema } from './schema';

export type RegistryDb = Kysely<RegistrySchema>;
export { isPostgres };
export type RegistryTransaction = Transaction<RegistrySchema>;

export class MigrationError extends Error {
  readonly code = 'REGISTRY_MIGRATION_FAILED';
}

/** A REGISTRY_URL that names no database this hub can use. */
export class RegistryLocationError extends Error {
  readonly code = 'REGISTRY_URL_INVALID';
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\//;

/** A top-level string field of a JSON text column (`payload`, `'clientId'`), spelt for the database. */
export function jsonTextField(db: Kysely<RegistrySchema>, column: string, field: string): RawBuilder<string> {
  return isPostgres(db)
    ? sql<string>`(${sql.ref(column)}::jsonb ->> ${field})`
    : sql<string>`json_extract(${sql.ref(column)}, ${`$.${field}`})`;
}

/** REGISTRY_URL as the worker's and the API's configuration read it: a PostgreSQL URL; unset, the SQLite file under DATA_DIR. */
export const registryUrlSetting = z
  .string()
  .trim()
  .regex(
    /^(postgres(ql)?:\/\/.+)?$/,
    'must be a PostgreSQL URL (postgres://user:password@host:5432/database), or unset for SQLite under DATA_DIR',
  )
  .optional();

/** Where the registry lives: REGISTRY_URL when set (PostgreSQL), else the SQLite file under DATA_DIR. */
export function registryLocation(env: NodeJS.ProcessEnv, dataDir: string): string {
  const url = env.REGISTRY_URL?.trim();
  if (url === undefined || url === '') return registryFile(dataDir);
  if (!POSTGRES_URL.test(url))
    throw new RegistryLocationError(
      'REGISTRY_URL must be a PostgreSQL URL (postgres://user:password@host:5432/database); leave it unset for the SQLite file under DATA_DIR',
    );
  return url;
}

/** The location without its password, for logs and errors. */
export function describeRegistry(location: string): string {
  if (!POSTGRES_URL.test(location)) return location;
  try {
    const url = new URL(location);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

// BIGINT (counts, epoch seconds) as numbers: every one the registry keeps fits in 2^53.
const int8AsNumber: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as pg.CustomTypesConfig['getTypeParser'],
};

function connect(location: string): Kysely<RegistrySchema> {
  if (POSTGRES_URL.test(location)) {
    const pool = new pg.Pool({ connectionString: location, max: 10, types: int8AsNumber });
    // An idle client losing its connection (server restart) must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    return new Kysely<RegistrySchema>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  }
  mkdirSync(path.dirname(location), { recursive: true });
  const sqlite = new SQLite(location);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  // Several processes write (worker, API, authorization server): wait for the other's lock instead of failing.
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  return new Kysely<RegistrySchema>({ dialect: new SqliteDialect({ database: sqlite }), plugins: [new CamelCasePlugin()] });
}

/** Opens the registry (creating the SQLite file if needed) and brings it to the latest migration. */
export async function openRegistry(location: string): Promise<RegistryDb> {
  const db = connect(location);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new MigrationError(
      `Registry migration ${failed} failed on ${describeRegistry(location)}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return db;
}

/** The registry file under DATA_DIR. */
export function registryFile(dataDir: string): string {
  return path.join(dataDir, 'registry', 'registry.sqlite');
}

/** PostgreSQL's answers that mean "run the transaction again": serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);
const ATTEMPTS = 8;

/**
 * Runs `work` in one transaction. On PostgreSQL it is SERIALIZABLE and retried (up to 8 times, a
 * few milliseconds apart) when the server answers a serialization failure or a deadlock: the
 * registry's read-then-write steps (look for the write key, else insert) then hold across
 * processes as they held in one process on SQLite, whose writers are serialised by its file lock.
 */
export async function inTransaction<T>(db: RegistryDb, work: (trx: RegistryTransaction) => Promise<T>): Promise<T> {
  if (!isPostgres(db)) return db.transaction().execute(work);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().setIsolationLevel('serializable').execute(work);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
    }
  }
}

const localLocks = new WeakMap<object, Map<string, Mutex>>();

/**
 * Runs `work` while holding the registry-wide lock `name`: one holder at a time across every
 * process on the database. On PostgreSQL a session advisory lock on a connection of its own (a
 * process that dies releases it with its session); on SQLite — one process writing, the embedded
 * default — a lock inside this process. `work` uses the registry as usual; what it committed is
 * what the next holder reads.
 */
export async function exclusively<T>(db: RegistryDb, name: string, work: () => Promise<T>): Promise<T> {
  if (!isPostgres(db)) {
    const byName = localLocks.get(db) ?? new Map<string, Mutex>();
    localLocks.set(db, byName);
    const mutex = byName.get(name) ?? new Mutex();
    byName.set(name, mutex);
    return mutex.runExclusive(work);
  }
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(hashtext(${name}))`.execute(connection);
    try {
      return await work();
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${name}))`.execute(connection);
    }
  });
}
