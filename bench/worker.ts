/**
 * The CSR bench's worker process: the production worker (worker/main.ts — configuration from the
 * environment, the default activities) with the bench's bundle, whose baseline workflow and no-op
 * activity sit beside the product's. Ready once the server sees it poll; SIGTERM stops it.
 *   BENCH_BUNDLE=<file> TEMPORAL_ADDRESS=… TEMPORAL_TASK_QUEUE=… DATA_DIR=… tsx bench/worker.ts
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { activitiesOf } from '../activities';
import { hubDataConverter, loadKeyRing } from '../activities/secrets/payload-codec';
import { loadWorkerConfig } from '../worker/config';
import { createDefaultActivities } from '../worker/onboarding-worker';

async function main(): Promise<void> {
  const codePath = process.env.BENCH_BUNDLE;
  if (!codePath) throw new Error('BENCH_BUNDLE names the workflow bundle file');
  const config = loadWorkerConfig(process.env);
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const connection = await NativeConnection.connect(config.temporal.connectionOptions);
  const worker = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    workflowBundle: { codePath },
    dataConverter: hubDataConverter(loadKeyRing(process.env, config.dataDir)),
    activities: { ...activitiesOf(await createDefaultActivities(config)), benchNoop: async (n: number) => n },
  });
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
