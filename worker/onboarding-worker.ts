import { NativeConnection, Worker, WorkflowBundleOption } from '@temporalio/worker';
import { createActivities, OnboardingActivities } from '../activities';
import { OutboxNotifier } from '../activities/notify/outbox-notifier';
import path from 'node:path';

export const workflowsPath = require.resolve('../workflows');

export interface OnboardingWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: OnboardingActivities;
  /** A pre-built bundle (tests bundle once per file); otherwise workflows/ is bundled at start. */
  workflowBundle?: WorkflowBundleOption;
  identity?: string;
}

/** Production wiring of the activity ports to their embedded adapters. */
export function createDefaultActivities(dataDir: string): OnboardingActivities {
  return createActivities({
    notifier: new OutboxNotifier(path.join(dataDir, 'outbox', 'notifications.jsonl')),
  });
}

export function createOnboardingWorker(opts: OnboardingWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
    ...(opts.identity ? { identity: opts.identity } : {}),
  });
}
