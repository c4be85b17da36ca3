import type { Journey, SubmissionHandler, SubmissionOptions, WaitSpec } from '../journey';
import type { SubmissionInstance, SubmissionName } from '../messages';
import { notifyOpened } from './notify';

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
