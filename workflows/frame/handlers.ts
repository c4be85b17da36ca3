/**
 * The onboarding's message handlers, registered from one place: the `status` query, decisions
 * (update and signal), suspend and resume, and submissions. Validators are synchronous (an async
 * validator's rejection never reaches the caller) and refuse what no open instance expects;
 * submission handlers run their check activity under one mutex (safe-message-handlers).
 */
import { assertProven, notProvenMessage } from './proof';
import { about } from './summaries';
import { ApplicationFailure, condition, log, setHandler } from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import { refuse } from '../errors';
import {
  type GateDecisionInput,
  type HaltInput,
  progressOf,
  type RoundRequestInput,
  type SubmissionInput,
  type SubmissionOutcome,
} from '../inputs';
import {
  decideGate,
  decideGateSignal,
  noteCancellation,
  openRound,
  resumeOnboarding,
  startedUpdate,
  statusQuery,
  submit,
  suspendOnboarding,
} from '../messages';
import type { GateInstance, OnboardingStatus, SubmissionInstance } from '../state';
import { type DecisionChannel, type Environment, environments, type SubmissionName, submissionNames } from '../vocabulary';
import { resumeChase, suspendChase } from './chase';
import { deadlineState, decisionProblem, isName, isObject, isReason, maxCommentLength, maxNameLength } from './guards';
import { approversOf, describeOpen, type JourneyState, nowIso } from './state';
import type { SubmissionHandler, SubmissionVerdict } from './submission-types';

/** A check's report as the answer carries it: a JSON object of findings and facts. */
function reportOf(verdict: SubmissionVerdict): Record<string, unknown> {
  return { ...verdict.report };
}

/** Principal names compare without case and surrounding space: "Omar@Hub " approved is omar@hub. */
function sameApprover(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * With no worker polling, an update waits in Temporal until one returns — long after the HTTP
 * caller gave up. The caller's deadline travels with it; a late one is refused, not applied.
 */
function assertInTime(notAfter: string | undefined): void {
  const when = deadlineState(notAfter, Date.now());
  if (when === 'invalid') throw refuse('DECISION_INVALID', 'notAfter must be an ISO time', { field: 'notAfter' });
  if (when === 'passed')
    throw refuse('REQUEST_EXPIRED', `The request expired at ${notAfter}, before the onboarding could take it`, { notAfter });
}

/** The check each open submission runs, and which submissions take a full replacement once accepted. */
export class SubmissionChecks {
  /** Submission handlers call activities and change shared state: one at a time. */
  readonly mutex = new Mutex();
  private readonly handlers = new Map<SubmissionName, SubmissionHandler>();
  /** Submissions that, once accepted, take a full replacement at any time (PUT semantics: allowlists, URLs). */
  private readonly replaceable = new Set<SubmissionName>();
  /** Submissions whose next round opens on request (a key rotation): how the journey opens it. */
  private readonly rounds = new Map<SubmissionName, (environment: Environment, round: number) => Promise<SubmissionInstance>>();

  allowRounds(name: SubmissionName, open: (environment: Environment, round: number) => Promise<SubmissionInstance>): void {
    this.rounds.set(name, open);
  }

  roundOpener(name: SubmissionName): ((environment: Environment, round: number) => Promise<SubmissionInstance>) | undefined {
    return this.rounds.get(name);
  }

  register<N extends SubmissionName>(name: N, handler: SubmissionHandler<N>, replaceable: boolean): void {
    this.handlers.set(name, handler as unknown as SubmissionHandler);
    if (replaceable) this.replaceable.add(name);
  }

  handlerOf(name: SubmissionName): SubmissionHandler | undefined {
    return this.handlers.get(name);
  }

  isReplaceable(name: SubmissionName): boolean {
    return this.replaceable.has(name);
  }
}

/**
 * Resolves once the workflow has run everything the last change let it run: a condition that is
 * true only in the condition pass after a full microtask drain. Twice: the first pass also
 * resolves the journey's own wait (it sees the accepted submission or the decision), the drain
 * after it runs the journey on to its next wait or task, and the second pass comes after that.
 * No command, no timer: an answer's `progress` then lists the waits this change opened.
 */
async function journeyMovedOn(): Promise<void> {
  for (let pass = 0; pass < 2; pass++) {
    let drained = false;
    await condition(() => {
      if (drained) return true;
      void Promise.resolve().then(() => (drained = true));
      return false;
    });
  }
}

export function registerHandlers(state: JourneyState, checks: SubmissionChecks): void {
  const handlers = new MessageHandlers(state, checks);
  setHandler(statusQuery, () => state.status);
  setHandler(startedUpdate, async () => {
    // Delivered with the start: answers once the journey ran to its first waits.
    await journeyMovedOn();
    return {
      requestFingerprint: state.status.requestFingerprint,
      startRequestId: state.input.requestId ?? null,
      progress: progressOf(state.status),
    };
  });
  /**
   * A human request's handler: the API's proof first (a local activity), then the validation again
   * (the state may have moved meanwhile), then the change. The validator answers bad input at once.
   */
  const proven =
    <A, R>(update: string, claimedBy: string, validate: (input: A) => void, apply: (input: A) => R | Promise<R>) =>
    async (input: A): Promise<R> => {
      await assertProven(state, update, input, claimedBy);
      validate(input);
      return apply(input);
    };
  const suspendCheck = (request: HaltInput) => handlers.validateHalt(request, 'suspend');
  const resumeCheck = (request: HaltInput) => handlers.validateHalt(request, 'resume');
  const cancelCheck = (request: HaltInput) => handlers.validateHalt(request, 'cancel');
  const submitCheck = (submission: SubmissionInput) => handlers.validateSubmission(submission);
  const roundCheck = (request: RoundRequestInput) => handlers.validateRound(request);
  const decisionCheck = (decision: GateDecisionInput) => handlers.validateDecision(decision);
  setHandler(
    decideGate,
    proven('decideGate', 'decidedBy', decisionCheck, async (input) => {
      const decision = handlers.recordDecision(input, 'api');
      // The answer says where the decision led (the next waits it opened), not only that it was taken.
      await journeyMovedOn();
      return { decision, progress: progressOf(state.status) };
    }),
    { validator: decisionCheck },
  );
  setHandler(decideGateSignal, (decision) => handlers.signalledDecision(decision));
  setHandler(
    suspendOnboarding,
    proven('suspend', 'by', suspendCheck, (r) => handlers.suspend(r)),
    { validator: suspendCheck },
  );
  setHandler(
    resumeOnboarding,
    proven('resume', 'by', resumeCheck, (r) => handlers.resume(r)),
    { validator: resumeCheck },
  );
  setHandler(
    submit,
    proven('submit', 'submittedBy', submitCheck, (s) => handlers.handleSubmission(s)),
    { validator: submitCheck },
  );
  setHandler(
    openRound,
    proven('openRound', 'requestedBy', roundCheck, (r) => handlers.openRound(r)),
    { validator: roundCheck },
  );
  setHandler(
    noteCancellation,
    proven('noteCancellation', 'by', cancelCheck, (request) => {
      state.intervene({ at: nowIso(), action: 'cancel-requested', by: request.by, via: 'api', reason: request.reason });
      state.transition({ note: `cancellation requested by ${request.by}: ${request.reason}` });
    }),
    { validator: cancelCheck },
  );
}

class MessageHandlers {
  constructor(
    private readonly state: JourneyState,
    private readonly checks: SubmissionChecks,
  ) {}

  private get status(): OnboardingStatus {
    return this.state.status;
  }

  validateDecision(input: GateDecisionInput): void {
    if (!isObject(input) || typeof input.gate !== 'string')
      throw refuse('DECISION_INVALID', 'A decision names its gate', { field: 'gate' });
    assertInTime(input.notAfter);
    const gates = this.state.declaration.gates;
    if (!(gates as readonly string[]).includes(input.gate)) {
      throw refuse('GATE_NOT_AWAITED', `${this.status.kind} onboardings have no gate ${input.gate} (they have: ${gates.join(', ')})`, {
        open: describeOpen(this.status),
        state: this.status.state,
      });
    }
    if (input.environment !== undefined && !environments.includes(input.environment)) {
      throw refuse('DECISION_INVALID', `environment must be one of ${environments.join(', ')}`, { field: 'environment' });
    }
    this.assertNotHalted();
    const instance = this.state.theOpenInstance('gate', input.gate, input.environment);
    const invalid = decisionProblem(input);
    if (invalid !== null) throw refuse('DECISION_INVALID', invalid.message, { field: invalid.field });
    if (input.decision === 'approved' && approversOf(instance).some((name) => sameApprover(name, input.decidedBy))) {
      throw refuse(
        'APPROVER_ALREADY_DECIDED',
        `${input.decidedBy} already approved ${instance.id}; it needs ${instance.required} distinct approvers`,
        {
          instanceId: instance.id,
          approvals: approversOf(instance),
          need: instance.required,
        },
      );
    }
  }

  /**
   * Records a decision. N-of-M: an approval closes the round once `required` distinct approvers
   * approved; until then the gate stays open with the approvals listed. One rejection closes it.
   */
  recordDecision(input: GateDecisionInput, via: DecisionChannel): GateInstance {
    // The validator ran on this same state; this repeats it for an update replayed after acceptance.
    const instance = this.state.theOpenInstance('gate', input.gate, input.environment);
    const at = nowIso();
    const record = {
      decision: input.decision,
      decidedBy: input.decidedBy,
      via,
      comment: input.comment ?? null,
      evidence: (input.evidence ?? []).map(({ label, url }) => ({ label, url })),
      at,
      requestHash: input.requestHash ?? null,
    };
    instance.decisions.push(record);
    const approvals = approversOf(instance).length;
    const need = instance.required;
    const channel = via === 'signal' ? ' (signal)' : '';
    if (input.decision === 'rejected' || approvals >= need) {
      instance.status = input.decision;
      instance.closedAt = at;
      instance.decision = record;
      this.state.transition({ note: `${instance.id}: ${input.decision} by ${input.decidedBy}${channel}` });
    } else {
      this.state.transition({ note: `${instance.id}: approval ${approvals} of ${need} by ${input.decidedBy}${channel}` });
    }
    log.info('gate decided', {
      instanceId: instance.id,
      decision: input.decision,
      via,
      approvals,
      need,
      requestId: input.requestId ?? null,
    });
    return { ...instance };
  }

  /**
   * A decision sent as a signal (Temporal Web UI, CLI): the same validation as the API's update.
   * A refused one changes nothing but is recorded (history, interventions, log) with its reason.
   */
  signalledDecision(input: GateDecisionInput): void {
    try {
      // A signal cannot carry the API's proof: where proofs are required it counts for nothing.
      if (this.state.input.requestProofs === true) throw refuse('REQUEST_NOT_PROVEN', notProvenMessage, { via: 'signal' });
      this.validateDecision(input);
    } catch (err) {
      const failure = err instanceof ApplicationFailure ? err : null;
      const by =
        isObject(input) && typeof input.decidedBy === 'string' && input.decidedBy.trim() !== ''
          ? input.decidedBy.slice(0, maxNameLength)
          : '(unnamed)';
      const gate = isObject(input) && typeof input.gate === 'string' ? input.gate.slice(0, 40) : '(no gate)';
      const reason = failure?.message ?? String(err);
      const code = failure?.type ?? 'DECISION_INVALID';
      this.state.intervene({ at: nowIso(), action: 'signal-refused', by, via: 'signal', reason, code });
      this.state.transition({ note: `signal decision on ${gate} from ${by} refused (${code}): ${reason}` });
      log.warn('signal decision refused', { gate, by, code: failure?.type ?? null, reason });
      return;
    }
    this.recordDecision(input, 'signal');
  }

  validateHalt(input: HaltInput, action: 'suspend' | 'resume' | 'cancel'): void {
    if (!isObject(input)) throw refuse('DECISION_INVALID', 'A suspend or resume names who and why', { field: 'reason' });
    assertInTime(input.notAfter);
    if (!isName(input.by)) throw refuse('DECISION_INVALID', 'by must name the operator', { field: 'by' });
    if (!isReason(input.reason)) {
      throw refuse('DECISION_INVALID', `reason must be a non-empty string of at most ${maxCommentLength} characters`, { field: 'reason' });
    }
    const halt = this.status.halt;
    if (action === 'suspend' && halt !== null) {
      throw refuse('HALT_STATE_CONFLICT', `The onboarding is already ${halt.state} (since ${halt.since})`, { state: this.status.state });
    }
    if (action === 'resume' && halt === null) {
      throw refuse('HALT_STATE_CONFLICT', `The onboarding is not suspended or expired (state ${this.status.state})`, {
        state: this.status.state,
      });
    }
    if (!['in-progress', 'awaiting-approval', 'awaiting-participant', 'suspended', 'expired', 'live'].includes(this.status.state)) {
      throw refuse('HALT_STATE_CONFLICT', `The onboarding has ended (${this.status.state})`, { state: this.status.state });
    }
  }

  suspend(input: HaltInput): OnboardingStatus {
    suspendChase(this.state, input);
    log.info('onboarding suspended', { by: input.by, requestId: input.requestId ?? null });
    return this.status;
  }

  resume(input: HaltInput): OnboardingStatus {
    const was = resumeChase(this.state, input);
    if (was !== null) log.info('onboarding resumed', { by: input.by, was, requestId: input.requestId ?? null });
    return this.status;
  }

  validateSubmission(input: SubmissionInput): void {
    if (!isObject(input) || !(submissionNames as readonly string[]).includes(input.name)) {
      throw refuse('SUBMISSION_INVALID', `A submission names one of: ${submissionNames.join(', ')}`, { field: 'name' });
    }
    assertInTime(input.notAfter);
    if (input.environment !== undefined && !environments.includes(input.environment)) {
      throw refuse('SUBMISSION_INVALID', `environment must be one of ${environments.join(', ')}`, { field: 'environment' });
    }
    if (!isName(input.submittedBy)) {
      throw refuse('SUBMISSION_INVALID', `submittedBy must be a non-empty string of at most ${maxNameLength} characters`, {
        field: 'submittedBy',
      });
    }
    if (!isObject(input.payload)) throw refuse('SUBMISSION_INVALID', 'payload must be an object', { field: 'payload' });
    this.assertNotHalted();
    this.submissionTarget(input.name, input.environment);
  }

  /**
   * Runs the submission's check (an activity) under the mutex, records the attempt on the
   * instance, and either accepts it (the step moves on) or refuses it with SUBMISSION_REFUSED
   * carrying the findings — the participant fixes and submits again, as often as needed.
   */
  handleSubmission(input: SubmissionInput): Promise<SubmissionOutcome> {
    return this.checks.mutex.runExclusive(async () => {
      // Re-checked under the lock: an earlier submission may have been accepted meanwhile.
      const instance = this.submissionTarget(input.name, input.environment);
      const replacing = instance.status === 'accepted';
      const handler = this.checks.handlerOf(input.name);
      if (handler === undefined) throw refuse('STATE_CORRUPT', `No handler for the open submission ${instance.id}`);
      const verdict = await about(`${instance.id} attempt ${instance.attempts.length + 1}`, () => handler(input, instance));
      const at = nowIso();
      instance.attempts.push({ at, submittedBy: input.submittedBy, accepted: verdict.accepted, findings: verdict.findings });
      const attempt = instance.attempts.length;
      log.info('submission checked', { instanceId: instance.id, attempt, accepted: verdict.accepted, requestId: input.requestId ?? null });
      if (!verdict.accepted) {
        const failed = verdict.findings.filter((f) => f.result === 'fail').map((f) => f.code);
        this.state.transition({ note: `${instance.id}: submission ${attempt} refused (${failed.join(', ') || 'blocking warnings'})` });
        throw refuse('SUBMISSION_REFUSED', `The ${input.name} does not pass the checks`, {
          instanceId: instance.id,
          attempt,
          requestHash: input.requestHash ?? null,
          report: reportOf(verdict),
        });
      }
      instance.artifact = verdict.artifact ?? null;
      if (replacing) {
        this.state.transition({ note: `${instance.id}: replaced by submission ${attempt} from ${input.submittedBy}` });
      } else {
        instance.status = 'accepted';
        instance.closedAt = at;
        this.state.transition({ note: `${instance.id}: submission ${attempt} accepted from ${input.submittedBy}` });
      }
      const answered = { ...instance };
      // The answer lists the waits this acceptance opened (the journey's next step), not the state before it.
      await journeyMovedOn();
      return {
        requestHash: input.requestHash ?? null,
        instance: answered,
        report: reportOf(verdict),
        progress: progressOf(this.status),
      };
    });
  }

  /** A round on request: the submission takes rounds, its latest round in the environment is accepted, none is open. */
  validateRound(input: RoundRequestInput): void {
    if (
      !isObject(input) ||
      !(submissionNames as readonly string[]).includes(input.name) ||
      this.checks.roundOpener(input.name) === undefined
    ) {
      throw refuse(
        'SUBMISSION_NOT_AWAITED',
        `${String((input as { name?: unknown })?.name)} takes no rounds on request in ${this.status.kind} onboardings`,
        {
          field: 'name',
        },
      );
    }
    assertInTime(input.notAfter);
    if (!environments.includes(input.environment)) {
      throw refuse('SUBMISSION_INVALID', `environment must be one of ${environments.join(', ')}`, { field: 'environment' });
    }
    if (!isName(input.requestedBy) || !isReason(input.reason)) {
      throw refuse('SUBMISSION_INVALID', 'requestedBy and reason are required', { field: 'reason' });
    }
    this.assertNotHalted();
    const rounds = this.roundsOf(input.name, input.environment);
    const latest = rounds.at(-1);
    if (latest === undefined || latest.status !== 'accepted') {
      throw refuse(
        'SUBMISSION_NOT_AWAITED',
        `${input.name} in ${input.environment} has no accepted round to follow (${latest?.id ?? 'none yet'})`,
        {
          open: describeOpen(this.status),
        },
      );
    }
  }

  async openRound(input: RoundRequestInput): Promise<SubmissionInstance> {
    const rounds = this.roundsOf(input.name, input.environment);
    const round = Math.max(0, ...rounds.map((i) => i.round)) + 1;
    const opener = this.checks.roundOpener(input.name);
    if (opener === undefined) throw refuse('STATE_CORRUPT', `No round opener for ${input.name}`);
    const instance = await opener(input.environment, round);
    this.status.interventions.push({
      at: nowIso(),
      action: 'round-opened',
      by: input.requestedBy,
      via: 'api',
      reason: input.reason,
      instanceId: instance.id,
    });
    this.state.transition({ note: `${instance.id}: opened on request of ${input.requestedBy} (${input.reason})` });
    log.info('round opened on request', { instanceId: instance.id, requestId: input.requestId ?? null });
    return { ...instance };
  }

  private roundsOf(name: SubmissionName, environment: Environment): SubmissionInstance[] {
    return this.status.instances
      .filter((i): i is SubmissionInstance => i.type === 'submission' && i.name === name && i.environment === environment)
      .sort((a, b) => a.round - b.round);
  }

  private assertNotHalted(): void {
    const halt = this.status.halt;
    if (halt !== null) {
      throw refuse(
        'ONBOARDING_HALTED',
        `The onboarding is ${halt.state} since ${halt.since} (${halt.reason}); an operator must resume it first`,
        { state: halt.state, since: halt.since },
      );
    }
  }

  /** The open instance a submission answers, or — for a replaceable submission — the accepted one it replaces. */
  private submissionTarget(name: SubmissionName, environment: Environment | undefined): SubmissionInstance {
    if (this.checks.isReplaceable(name) && this.state.openInstances('submission', name, environment).length === 0) {
      const accepted = this.status.instances.filter(
        (i): i is SubmissionInstance =>
          i.type === 'submission' &&
          i.name === name &&
          i.status === 'accepted' &&
          (environment === undefined || i.environment === environment),
      );
      const latestByEnvironment = new Map(accepted.map((i) => [i.environment, i]));
      if (latestByEnvironment.size > 1) {
        throw refuse('SUBMISSION_INVALID', `${name} is in force in several environments: say which one to replace`, {
          field: 'environment',
          open: [...latestByEnvironment.values()].map((i) => i.id),
        });
      }
      const [only] = latestByEnvironment.values();
      if (only !== undefined) return only;
    }
    return this.state.theOpenInstance('submission', name, environment);
  }
}
