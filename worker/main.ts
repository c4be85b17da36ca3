import v8 from 'node:v8';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { hubDataConverter, loadKeyRing } from '../activities/secrets/payload-codec';
import { loadWorkerConfig } from './config';
import { createWorkerLogger, PinoRuntimeLogger } from './logging';
import { createDefaultActivities, createOnboardingWorker, prometheusMetrics } from './onboarding-worker';
import { checkBundleTracing, loadWorkflowBundle } from './workflow-bundle';
import { loadTracingSettings, startTracing } from '../config/tracing';

async function main(): Promise<void> {
  const config = loadWorkerConfig(process.env);
  const logger = createWorkerLogger(config.logLevel);
  // Before any Worker exists: SDK, workflow and activity logs all go to the same pino root.
  Runtime.install({
    logger: new PinoRuntimeLogger(logger),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
      ...(config.metricsAddress ? { metrics: prometheusMetrics(config.metricsAddress) } : {}),
    },
    // Runtime handles SIGINT/SIGTERM: the worker stops polling, lets running tasks finish, then run() resolves.
    shutdownSignals: ['SIGINT', 'SIGTERM'],
  });

  // Production mode: the bundle `npm run build` made, checked against its manifest; otherwise workflows/ is bundled now.
  const built = config.workflowBundle === null ? null : loadWorkflowBundle(config.workflowBundle);
  const tracingSettings = loadTracingSettings(process.env, 'onboarding-worker');
  if (built) {
    const warning = checkBundleTracing(built.manifest, tracingSettings.endpoint !== null);
    if (warning !== null) logger.warn(warning);
    logger.info(
      {
        bundle: config.workflowBundle,
        sha256: built.manifest.sha256,
        builtAt: built.manifest.builtAt,
        tracing: built.manifest.tracing === true,
      },
      'workflow bundle loaded',
    );
  }
  const tracing = startTracing(tracingSettings);
  const connection = await NativeConnection.connect(config.temporal.connectionOptions);
  const worker = await createOnboardingWorker({
    tracing,
    ...(built ? { workflowBundle: built.bundle } : {}),
    maxCachedWorkflows: config.workflowCacheSize,
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    activities: await createDefaultActivities(config),
    dataConverter: hubDataConverter(loadKeyRing(process.env, config.dataDir)),
  });
  // A cached onboarding holds up to ~2 MB of heap, ~1.5 MB live (bench/RESULTS.md): the heap bound must leave room for the cache.
  const heapLimitMb = Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
  if (heapLimitMb < 256 + 1.5 * config.workflowCacheSize)
    logger.warn(
      { heapLimitMb, workflowCacheSize: config.workflowCacheSize },
      'the heap bound (--max-old-space-size) leaves under 1.5 MB per cached onboarding: lower WORKFLOW_CACHE_SIZE or raise the bound',
    );
  logger.info(
    { ...config.temporal.summary, taskQueue: config.taskQueue, workflowCacheSize: config.workflowCacheSize, heapLimitMb },
    'worker polling',
  );
  try {
    await worker.run();
  } finally {
    await connection.close();
    await tracing.shutdown();
    logger.info('worker stopped');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
