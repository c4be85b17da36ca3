/** Typed reads of what earlier steps produced: the one place an artifact or a task result is looked up by name. */
import type { SubmissionArtifacts, TaskResults } from '../artifacts';
import type { OnboardingStatus, SubmissionInstance, TaskRecordOf } from '../state';
import { type Environment, type SubmissionName, type TaskName, taskId } from '../vocabulary';

/** The artifact of the accepted `name` submission in `environment` (its latest accepted round), or null. */
export function acceptedArtifact<N extends SubmissionName>(
  status: OnboardingStatus,
  name: N,
  environment: Environment,
): SubmissionArtifacts[N] | null {
  const accepted = status.instances.filter(
    (i): i is SubmissionInstance => i.type === 'submission' && i.name === name && i.environment === environment && i.status === 'accepted',
  );
  // An instance named `name` carries that submission's artifact (the handler that made it was typed by name).
  return (accepted[accepted.length - 1]?.artifact ?? null) as SubmissionArtifacts[N] | null;
}

/** The result of the hub task `name` in `environment` once done, or null. */
export function taskResult<T extends TaskName>(status: OnboardingStatus, name: T, environment: Environment): TaskResults[T] | null {
  const id = taskId(name, environment);
  // The record with this id is the task `name`'s: its result has that task's type.
  const found = status.tasks.find((t) => t.id === id) as TaskRecordOf<T> | undefined;
  return found?.status === 'done' ? found.result : null;
}
