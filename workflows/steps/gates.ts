import { succeeded } from '../journey';
import type { GateSpec, Journey, SubmissionHandler } from '../journey';
import { reworkFor } from '../messages';
import type { Environment, GateInstance, GateName, WaitInstance } from '../messages';
import { notifyOpened } from './notify';
import { awaitSubmission } from './submissions';

/**
 * A human gate: opens its instance (state, search attributes and UI details move together), tells
 * the awaited role, and waits for the decision that arrives through the `decideGate` update or
 * signal (N distinct approvers when the policy asks for several). An instance already in the
 * carried state is not opened again.
 */
export async function awaitGate(journey: Journey, spec: GateSpec): Promise<GateInstance> {
  await journey.checkpoint();
  const instance = journey.openGate(spec);
  if (instance.status === 'open') await notifyOpened(journey, instance);
  return journey.waitClosed(instance);
}

/** What the participant sends after a rejected round: round n of the rework follows round n of the gate. */
export type Rework = (rejected: GateInstance) => Promise<WaitInstance>;

/**
 * A gate in rounds: a rejection sends the onboarding back to the step that must change (`rework`,
 * by default the participant's answer named in `reworkFor`), then the gate opens again as the next
 * round — no new workflow; every round stays in the status with its number. Returns the approved
 * round, or the wait that ended the onboarding (a rejected gate with no rework, an unanswered rework).
 */
export async function awaitGateInRounds(
  journey: Journey,
  spec: GateSpec & { environment: Environment },
  rework?: Rework,
): Promise<WaitInstance> {
  for (let round = spec.round ?? 1; ; round++) {
    const gate = await awaitGate(journey, { ...spec, round });
    if (gate.status !== 'rejected') return gate;
    const back = rework ?? defaultRework(journey, spec.name);
    if (back === null) return gate;
    const answered = await back(gate);
    if (!succeeded(answered)) return answered;
  }
}

/** The participant's answer to a rejection: what changed, and (contract) the new version. Only onboardings with gate policies rework contract and go-live. */
function defaultRework(journey: Journey, gate: GateName): Rework | null {
  const name = reworkFor[gate];
  if (name === undefined || !journey.gatePolicies || !journey.declaration.submissions.includes(name)) return null;
  return (rejected) =>
    awaitSubmission(
      journey,
      { name, environment: rejected.environment, round: rejected.round },
      reworkAnswer(name === 'contract-revision'),
    );
}

/** Accepts an answer that says what changed (and links the new document when one is asked for). */
function reworkAnswer(needsDocument: boolean): SubmissionHandler {
  return async (input) => {
    const payload = input.payload as { summary?: unknown; document?: { label?: unknown; url?: unknown } };
    const summary = typeof payload.summary === 'string' ? payload.summary.trim() : '';
    const findings = [];
    if (summary === '' || summary.length > 2000)
      findings.push({
        code: 'REWORK_SUMMARY',
        result: 'fail' as const,
        message: 'say in 1-2000 characters what changed since the rejected round',
      });
    const document = payload.document;
    const label = typeof document?.label === 'string' ? document.label.trim() : '';
    const url = typeof document?.url === 'string' ? document.url : '';
    if (needsDocument && (label === '' || label.length > 200 || !/^https:\/\/[^\s/]+\/?\S*$/.test(url) || url.length > 2048)) {
      findings.push({
        code: 'REWORK_DOCUMENT',
        result: 'fail' as const,
        message: 'link the new version: document {label, url} with an https URL',
      });
    }
    if (findings.length > 0) return { accepted: false, findings, report: { findings } };
    return {
      accepted: true,
      findings: [],
      report: { findings: [] },
      artifact: { summary, ...(needsDocument ? { document: { label, url } } : {}) },
    };
  };
}
