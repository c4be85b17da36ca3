/**
 * Gates and submissions as steps compose them: open the instance, tell the awaited role, wait for
 * it to close; gates in rounds with their rework; and how a wait's outcome ends the journey.
 */
import { log, workflowInfo } from '@temporalio/workflow';
import type { ReworkArtifact } from '../artifacts';
import { reworkFor, type ReworkName } from '../policy';
import type { FindingSummary, GateInstance, OnboardingStatus, SubmissionInstance, WaitInstance } from '../state';
import type { Environment, GateName, SubmissionName } from '../vocabulary';
import { evidenceLinkProblem, isObject, reworkSummaryOf } from './guards';
import type { Journey } from './journey';
import { notifyOpened } from './notify';
import { succeeded } from './state';
import type { GateSpec, SubmissionHandler, SubmissionOptions, WaitSpec } from './submission-types';

export { succeeded };

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

/** A wait that did not end well ends the journey. */
export function endedBy(journey: Journey, instance: WaitInstance): Promise<OnboardingStatus> {
  return journey.finish(instance.status === 'expired' ? 'expired' : 'rejected', `${instance.id} ${instance.status}`);
}

/** The first wait among `instances` that ended (not merely stopped waiting) without success. */
export function firstUnsuccessful(instances: readonly (WaitInstance | null)[]): WaitInstance | undefined {
  return instances.find((i): i is WaitInstance => i !== null && i.status !== 'open' && !succeeded(i));
}

/**
 * Tells the awaited role that the instance opened, beside the wait: the journey does not stand
 * still while the mail goes out (an answer that arrives first is taken at once, and the update's
 * answer already lists what the journey opened next). A failed delivery is recorded by `notifyOpened`.
 */
function tellOpened(journey: Journey, instance: WaitInstance): void {
  journey.beside(
    notifyOpened(journey, instance).catch((err: unknown) => {
      log.warn('opened notification not sent', { instanceId: instance.id, error: err instanceof Error ? err.message : String(err) });
    }),
  );
}

/**
 * A human gate: opens its instance (state, search attributes and UI details move together), tells
 * the awaited role, and waits for the decision that arrives through the `decideGate` update or
 * signal (N distinct approvers when the policy asks for several). An instance already in the
 * carried state is not opened again.
 */
export async function awaitGate(journey: Journey, spec: GateSpec): Promise<GateInstance> {
  await journey.checkpoint();
  const instance = journey.openGate(spec);
  if (instance.status === 'open') tellOpened(journey, instance);
  return journey.waitClosed(instance);
}

/**
 * "The participant submits X": opens the submission instance, tells the participant, and waits
 * until a submission passes `check` (each attempt answered at once through the `submit` update,
 * refused ones recorded with their findings).
 */
export async function awaitSubmission<N extends SubmissionName>(
  journey: Journey,
  spec: WaitSpec<N>,
  check: SubmissionHandler<N>,
  options: SubmissionOptions = {},
): Promise<SubmissionInstance<N>> {
  await journey.checkpoint();
  const instance = journey.openSubmission(spec, check, options);
  if (instance.status === 'open') tellOpened(journey, instance);
  return journey.waitClosed(instance);
}

/** What the participant sends after a rejected round: round n of the rework follows round n of the gate. */
export type Rework = (rejected: GateInstance) => Promise<WaitInstance>;

/** What the hub does before a round opens (the UAT run): it returns what the gate shows of it. */
export type BeforeRound = (round: number) => Promise<Pick<GateSpec, 'run'>>;

/**
 * A gate in rounds: a rejection sends the onboarding back to the step that must change (`rework`,
 * by default the participant's answer named in `reworkFor`), then the gate opens again as the next
 * round — no new workflow; every round stays in the status with its number. `beforeRound` runs
 * before each round opens (the hub's UAT run), what it returns shown with the gate. Returns the approved
 * round, or the wait that ended the onboarding (a rejected gate with no rework, an unanswered rework).
 */
export async function awaitGateInRounds(
  journey: Journey,
  spec: GateSpec & { environment: Environment },
  rework?: Rework,
  beforeRound?: BeforeRound,
): Promise<WaitInstance> {
  for (let round = spec.round ?? 1; ; round++) {
    // A round already open (found in the carried state) is not prepared again.
    const opened = journey.instance({ name: spec.name, environment: spec.environment, round }) !== undefined;
    const prepared = beforeRound && !opened ? await beforeRound(round) : {};
    const gate = await awaitGate(journey, { ...spec, ...prepared, round });
    if (gate.status !== 'rejected') return gate;
    const back = rework ?? defaultRework(journey, spec.name);
    if (back === null) return gate;
    const answered = await back(gate);
    if (!succeeded(answered)) return answered;
  }
}

/** The participant's answer to a rejection: what changed, and (contract) the new version. */
function defaultRework(journey: Journey, gate: GateName): Rework | null {
  const name = reworkFor[gate];
  if (name === undefined || !journey.declaration.submissions.includes(name)) return null;
  return (rejected) =>
    awaitSubmission(
      journey,
      { name, environment: rejected.environment, round: rejected.round },
      reworkAnswer(name === 'contract-revision'),
    );
}

/** Accepts an answer that says what changed (and links the new document when one is asked for). */
function reworkAnswer(needsDocument: boolean): SubmissionHandler<ReworkName> {
  return async (input) => {
    const payload = input.payload as { summary?: unknown; document?: unknown };
    const summary = reworkSummaryOf(payload.summary);
    const findings: FindingSummary[] = [];
    if (summary === null) {
      findings.push({ code: 'REWORK_SUMMARY', result: 'fail', message: 'say in 1-2000 characters what changed since the rejected round' });
    }
    const document = isObject(payload.document) ? payload.document : {};
    if (needsDocument && evidenceLinkProblem(document) !== null) {
      findings.push({ code: 'REWORK_DOCUMENT', result: 'fail', message: 'link the new version: document {label, url} with an https URL' });
    }
    if (summary === null || findings.length > 0) return { accepted: false, findings, report: { findings } };
    const artifact: ReworkArtifact = {
      summary,
      ...(needsDocument ? { document: { label: String(document.label).trim(), url: String(document.url) } } : {}),
    };
    return { accepted: true, findings: [], report: { findings: [] }, artifact };
  };
}
