import { workflowInfo } from '@temporalio/workflow';
import { activitiesFor } from '../frame/summaries';
import type { UatActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import type { DfspRegistration, Environment, GateRun } from '../messages';

/**
 * One call may last as long as the run (the scheme's collection: seconds to minutes); it heartbeats
 * while it waits on the runner, so a worker that died is noticed in seconds and the next attempt
 * collects the same run by its id.
 */
const uat = activitiesFor<UatActivities>({
  startToCloseTimeout: '20 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: ['UAT_RUN_FAILED'],
  },
});

/**
 * "The hub runs the scheme's UAT collection against the DFSP" before each `uat-signoff` round opens
 * (the Testing Toolkit as the payer FSP, through the egress, paying the DFSP's registered test
 * party): a hub task per round, its evidence kept and downloadable, its outcome shown with the gate.
 * Ops still decide. A run the hub could not make (its runner down, refused) does not end the
 * onboarding: the gate opens saying so, and ops decide on their own test report (`opsGateForTask`).
 */
export async function runUat(journey: Journey, environment: Environment, round: number, registration: DfspRegistration): Promise<GateRun> {
  const participantId = journey.status.participantId;
  // Unique per onboarding run (a participant onboarded again gets new runs), stable across retries and continue-as-new.
  const runId = `uat-${participantId}-${environment}-r${round}-${workflowInfo().firstExecutionRunId}`;
  const task = await journey.task(
    'uat-run',
    environment,
    () =>
      uat.runUat({
        runId,
        participantId,
        environment,
        round,
        fspId: participantId,
        party: registration.uatParty ?? null,
        currency: registration.currencies[0]?.currency ?? '',
      }),
    round,
  );
  if (task.status !== 'done' || task.result === null) {
    return {
      task: task.id,
      outcome: 'error',
      summary: `the hub could not run UAT (${task.error?.type ?? 'error'}): ${task.error?.message ?? ''}`,
    };
  }
  const r = task.result;
  return {
    task: task.id,
    outcome: r.outcome,
    summary: r.summary,
    ...(r.outcome === 'skipped' ? {} : { assertions: r.assertions, runId: r.runId }),
  };
}
