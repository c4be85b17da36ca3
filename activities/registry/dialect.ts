/** Which database a registry connection speaks, for the few statements SQLite and PostgreSQL spell differently. */
import { type Kysely, PostgresAdapter } from 'kysely';

/** True when the database is PostgreSQL (else SQLite). */
export function isPostgres<S>(db: Kysely<S>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
