/**
 * `npm run ledger:install`: fetches the pinned central-ledger, Kafka jars (and checks MariaDB) into `.tools/`.
 * `npm run ledger:dev`: starts MariaDB, Kafka and central-ledger's admin API for a person, data in
 * DATA_DIR/ledger (kept between runs), ports from LEDGER_PORT (3001), LEDGER_MARIADB_PORT (13306),
 * LEDGER_KAFKA_PORT (19092). Point the worker at it with HUB_LEDGER_SANDBOX_URL and/or HUB_LEDGER_PRODUCTION_URL.
 */
import path from 'node:path';
import { ensureLedgerInstalled, startLedgerStack } from './ledger-stack';
import { projectRoot } from './temporal-dev-config';

const log = (line: string) => process.stderr.write(`${line}\n`);

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) throw new Error(`${name} must be a port number, got ${raw}`);
  return value;
}

async function main(command: string | undefined): Promise<void> {
  if (command === 'install') {
    ensureLedgerInstalled(log);
    return;
  }
  if (command !== 'dev') throw new Error('usage: tsx scripts/ledger.ts install|dev');
  const dataDir = path.resolve(projectRoot, process.env.DATA_DIR ?? '.data', 'ledger');
  const stack = await startLedgerStack({
    dataDir,
    ledgerPort: port('LEDGER_PORT', 3001),
    mariadbPort: port('LEDGER_MARIADB_PORT', 13306),
    kafkaPort: port('LEDGER_KAFKA_PORT', 19092),
    log,
  });
  process.stdout.write(
    `central-ledger admin API: ${stack.url} (point the worker at it: HUB_LEDGER_SANDBOX_URL=${stack.url} and/or HUB_LEDGER_PRODUCTION_URL=${stack.url}); data in ${dataDir}\n`,
  );
  const stop = () => void stack.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main(process.argv[2]).catch((err: unknown) => {
  log(`ledger: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
