import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { buildApp } from './app';
import { loadApiConfig } from './config';
import { createApiLogger } from './logging';
import { OnboardingGateway } from './onboarding-gateway';

async function readCaChain(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function main(): Promise<void> {
  const config = loadApiConfig(process.env);
  const logger = createApiLogger(config.logLevel);
  // Lazy: the API starts (and /readyz says 503) even while Temporal is still coming up.
  const connection = Connection.lazy({ address: config.temporalAddress });
  const client = new Client({ connection, namespace: config.namespace });
  const app = buildApp({
    gateway: new OnboardingGateway(client, config.taskQueue),
    logger,
    bodyLimitBytes: config.bodyLimitBytes,
    caChainPem: () => readCaChain(config.caChainFile),
  });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'api stopping');
    await app.close();
    await connection.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ host: config.host, port: config.port });
}

main().catch((err: unknown) => {
  process.stderr.write(`api failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
