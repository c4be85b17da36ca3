import { workflowInfo } from '@temporalio/workflow';
import type { Journey, SubmissionHandler, SubmissionOptions, WaitSpec } from '../journey';
import type { FindingSummary, SubmissionInstance, SubmissionName } from '../messages';
import { notifyOpened } from './notify';

/** What an attempt records of a check report: the findings that are not a plain pass (the full report goes back to the caller). */
export function notableFindings(report: { findings: readonly FindingSummary[] }): FindingSummary[] {
  return report.findings
    .filter((f) => f.result === 'warn' || f.result === 'fail')
    .map(({ code, result, message }) => ({ code, result, message }));
}

/** The write key of what this attempt makes (registry rows, gateway changes): a retried activity writes once. */
export function attemptWriteKey(instance: SubmissionInstance): string {
  return `${workflowInfo().workflowId}/${instance.id}/${instance.attempts.length + 1}`;
}

/**
 * "The participant submits X": opens the submission instance, tells the participant, and waits
 * until a submission passes `check` (each attempt answered at once through the `submit` update,
 * refused ones recorded with their findings) or the deadline passes.
 */
export async function awaitSubmission(
  journey: Journey,
  spec: WaitSpec<SubmissionName>,
  check: SubmissionHandler,
  options: SubmissionOptions = {},
): Promise<SubmissionInstance> {
  await journey.checkpoint();
  const instance = journey.openSubmission(spec, check, options);
  if (instance.status === 'open') await notifyOpened(journey, instance);
  return journey.waitClosed(instance);
}
