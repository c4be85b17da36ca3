import { ensureTestPostgres } from '../support/postgres';

/** The registry suites run on SQLite and on one real PostgreSQL started here for the run. */
export default async function globalSetup(): Promise<void> {
  await ensureTestPostgres();
}
