/**
 * The hub's own steps between waits (a key pair, the ledger set-up, the processing centre), and the
 * one policy for a hub task that failed: its retries are spent or it was refused for good, so
 * nothing the participant sends can help. A kind that has an ops gate for the task hands it to ops
 * there (`hub-ledger` → `ledger-setup`); any other failed task ends the onboarding `failed`, its
 * error in the note, through `requireDone` and `Journey.run`.
 */
import type { TaskResults } from '../artifacts';
import type { TaskRecord, TaskRecordOf } from '../state';
import type { GateName, TaskName } from '../vocabulary';

/**
 * The tasks ops take over by hand at a gate of their own when the hub could not do them: the
 * ledger set-up at `ledger-setup`; the UAT run at `uat-signoff` (the gate opens saying the run
 * could not be made, ops decide on their own test report).
 */
export const opsGateForTask: Partial<Record<TaskName, GateName>> = { 'hub-ledger': 'ledger-setup', 'uat-run': 'uat-signoff' };

/** Thrown by a step whose hub task failed with no ops gate; `Journey.run` ends the onboarding `failed` with `note`. */
export class HubTaskFailure extends Error {
  constructor(readonly task: TaskRecord) {
    super(`${task.id} failed (${task.error?.type ?? 'error'}): ${task.error?.message ?? ''}`);
    this.name = 'HubTaskFailure';
  }
}

/** The task's result, or the failure that ends the onboarding. */
export function requireDone<T extends TaskName>(task: TaskRecordOf<T>): TaskResults[T] {
  if (task.status !== 'done' || task.result === null) throw new HubTaskFailure(task as unknown as TaskRecord);
  return task.result;
}
