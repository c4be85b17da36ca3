/**
 * The frame every kind's journey runs in: one typed state object per onboarding, and one
 * transition function that changes it and pushes search attributes and current details together,
 * so the `status` query and the Temporal UI can never disagree.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  log,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  AwaitedInput,
  Decision,
  decideGate,
  decisions,
  Environment,
  GateDecisionInput,
  GateName,
  GateRecord,
  gateNames,
  LifecycleState,
  OnboardingInput,
  OnboardingStatus,
  onboardingKinds,
  participantIdPattern,
  statusQuery,
  StepName,
  workflowFailureTypes,
} from './messages';
import { onboardingSearchAttributes } from './search-attributes';

export interface TransitionChange {
  step?: StepName;
  state: LifecycleState;
  awaiting?: AwaitedInput | null;
  note: string;
}

const maxDecidedByLength = 200;
const maxCommentLength = 2000;

function nowIso(): string {
  // Date.now() is deterministic inside the workflow sandbox (it is the workflow task's time).
  return new Date(Date.now()).toISOString();
}

/** Guards against a start by some other client with a malformed input. */
function assertValidInput(input: OnboardingInput): void {
  const problems: string[] = [];
  if (typeof input?.participantId !== 'string' || !participantIdPattern.test(input.participantId)) {
    problems.push('participantId');
  }
  if (!onboardingKinds.includes(input?.kind)) problems.push('kind');
  if (typeof input?.participant?.legalName !== 'string') problems.push('participant.legalName');
  if (!Array.isArray(input?.application?.apis)) problems.push('application.apis');
  if (typeof input?.requestFingerprint !== 'string') problems.push('requestFingerprint');
  if (problems.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `Onboarding input is invalid at: ${problems.join(', ')}`,
      workflowFailureTypes.inputInvalid,
      { fields: problems },
    );
  }
}

export class Journey {
  readonly status: OnboardingStatus;

  constructor(input: OnboardingInput, environment: Environment) {
    assertValidInput(input);
    const startedAt = new Date(workflowInfo().startTime.getTime()).toISOString();
    this.status = {
      participantId: input.participantId,
      kind: input.kind,
      environment,
      step: 'application-review',
      state: 'in-progress',
      awaiting: null,
      participant: input.participant,
      application: input.application,
      gates: {},
      requestFingerprint: input.requestFingerprint,
      startedAt,
      updatedAt: startedAt,
      history: [],
    };
    setHandler(statusQuery, () => this.status);
    setHandler(decideGate, (decision) => this.recordDecision(decision), {
      validator: (decision) => this.validateDecision(decision),
    });
  }

  /** The only way state changes: status, search attributes and current details move together. */
  transition(change: TransitionChange): void {
    const at = nowIso();
    const s = this.status;
    if (change.step !== undefined) s.step = change.step;
    s.state = change.state;
    if (change.awaiting !== undefined) s.awaiting = change.awaiting;
    s.updatedAt = at;
    s.history.push({ at, step: s.step, state: s.state, note: change.note });
    upsertSearchAttributes(onboardingSearchAttributes(s));
    setCurrentDetails(renderCurrentDetails(s));
    log.info('onboarding transition', { step: s.step, state: s.state, awaitingRole: s.awaiting?.role ?? null });
  }

  /** Records an event in the history without changing step or state. */
  note(text: string): void {
    this.transition({ state: this.status.state, note: text });
  }

  /** Ends the journey: waits for in-flight update handlers so none is cut off. */
  async finish(state: 'completed' | 'rejected', note: string, step: StepName = this.status.step): Promise<OnboardingStatus> {
    this.transition({ step, state, awaiting: null, note });
    await condition(allHandlersFinished);
    return this.status;
  }

  openGate(gate: GateName, role: GateRecord['role'], step: StepName): GateRecord {
    const openedAt = nowIso();
    const record: GateRecord = {
      gate,
      role,
      status: 'pending',
      openedAt,
      decidedAt: null,
      decidedBy: null,
      comment: null,
    };
    this.status.gates[gate] = record;
    this.transition({
      step,
      state: role === 'participant' ? 'awaiting-participant' : 'awaiting-approval',
      awaiting: { gate, role, since: openedAt },
      note: `${gate}: waiting for ${role}`,
    });
    return record;
  }

  gate(gate: GateName): GateRecord | undefined {
    return this.status.gates[gate];
  }

  /** Synchronous by necessity: an async validator's rejection never reaches the caller. */
  private validateDecision(input: GateDecisionInput): void {
    const awaited = this.status.awaiting;
    if (typeof input !== 'object' || input === null || !gateNames.includes(input.gate)) {
      throw ApplicationFailure.nonRetryable('Unknown gate', workflowFailureTypes.decisionInvalid, { field: 'gate' });
    }
    if (awaited === null || awaited.gate !== input.gate || this.gate(input.gate)?.status !== 'pending') {
      throw ApplicationFailure.nonRetryable(
        awaited === null
          ? `The onboarding is not waiting for any approval (state ${this.status.state}, step ${this.status.step})`
          : `The onboarding is waiting for ${awaited.gate}, not ${input.gate}`,
        workflowFailureTypes.gateNotAwaited,
        { awaiting: awaited?.gate ?? null, state: this.status.state },
      );
    }
    const invalid = decisionProblem(input);
    if (invalid !== null) {
      throw ApplicationFailure.nonRetryable(invalid.message, workflowFailureTypes.decisionInvalid, {
        field: invalid.field,
      });
    }
  }

  private recordDecision(input: GateDecisionInput): GateRecord {
    const record = this.gate(input.gate);
    if (record === undefined || record.status !== 'pending') {
      // The validator ran on this same state; reaching here means a replayed, already applied update.
      throw ApplicationFailure.nonRetryable('Gate already decided', workflowFailureTypes.gateNotAwaited);
    }
    record.status = input.decision;
    record.decidedAt = nowIso();
    record.decidedBy = input.decidedBy;
    record.comment = input.comment ?? null;
    return { ...record };
  }
}

function decisionProblem(input: GateDecisionInput): { field: string; message: string } | null {
  if (!decisions.includes(input.decision as Decision)) {
    return { field: 'decision', message: `decision must be one of ${decisions.join(', ')}` };
  }
  if (typeof input.decidedBy !== 'string' || input.decidedBy.trim() === '' || input.decidedBy.length > maxDecidedByLength) {
    return { field: 'decidedBy', message: `decidedBy must be a non-empty string of at most ${maxDecidedByLength} characters` };
  }
  if (input.comment !== undefined && (typeof input.comment !== 'string' || input.comment.length > maxCommentLength)) {
    return { field: 'comment', message: `comment must be a string of at most ${maxCommentLength} characters` };
  }
  if (input.decision === 'rejected' && (input.comment ?? '').trim() === '') {
    return { field: 'comment', message: 'a rejection needs a comment giving the reason' };
  }
  return null;
}

/** Markdown for the UI's "Current Details": ids and roles only, never personal data or secrets. */
export function renderCurrentDetails(s: OnboardingStatus): string {
  const lines = [
    `**${s.participantId}** · ${s.kind} · ${s.environment}`,
    '',
    `Step: \`${s.step}\` · State: \`${s.state}\``,
  ];
  if (s.awaiting !== null) {
    lines.push('', `Waiting on **${s.awaiting.role}** for \`${s.awaiting.gate}\` since ${s.awaiting.since}`);
  }
  const last = s.history[s.history.length - 1];
  if (last !== undefined) lines.push('', `Last: ${last.note} (${last.at})`);
  return lines.join('\n');
}
