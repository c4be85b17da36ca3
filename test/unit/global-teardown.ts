import { stopTestPostgres } from '../support/postgres';

export default async function globalTeardown(): Promise<void> {
  await stopTestPostgres();
}
