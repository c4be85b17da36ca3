/**
 * The frame every kind's journey runs in: one typed state object per onboarding, and one
 * transition function that changes it and pushes search attributes and current details together,
 * so the `status` query and the Temporal UI never disagree.
 *
 * Every human wait is an instance — (gate or submission name, environment, round) — kept for good
 * in `status.instances`; several may be open at once. Decisions and submissions arrive as Updates
 * whose synchronous validators refuse what no open instance expects; submission handlers run their
 * check activity under one mutex. Long journeys continue as new at checkpoints, carrying the state:
 * step functions find their instance already in it and carry on where the last run stopped.
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  log,
  metricMeter,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { Mutex } from 'async-mutex';
import { refuse } from './errors';
import {
  AwaitedInput,
  ChaseEvent,
  decideGate,
  decideGateSignal,
  DecisionChannel,
  defaultGatePolicy,
  GatePolicy,
  HaltInput,
  resumeOnboarding,
  suspendOnboarding,
  timersFor,
  WaitChase,
  WaitTimers,
  decisions,
  evidenceRequiredFor,
  Decision,
  Environment,
  environments,
  FindingSummary,
  GateDecisionInput,
  GateInstance,
  GateName,
  gateNames,
  gateRoles,
  instanceId,
  InstanceKey,
  JourneyDeclaration,
  LifecycleState,
  OnboardingInput,
  OnboardingStatus,
  progressOf,
  isFspId,
  bankAliasPattern,
  participantIdPattern,
  statusQuery,
  TaskName,
  TaskRecord,
  StepName,
  submissionNames,
  SubmissionInput,
  SubmissionInstance,
  SubmissionName,
  SubmissionOutcome,
  submit,
  supportedKinds,
  WaitInstance,
} from './messages';
import { escapeMarkdown } from './markdown';
import { notifyChase } from './steps/notify';
import { onboardingSearchAttributes } from './search-attributes';

/** Emitted by the worker's Prometheus exporter (not on replay): onboarding_wait_seconds{kind,type,name,environment,role,outcome}. */
const waitSeconds = metricMeter.createHistogram(
  'onboarding_wait',
  'float',
  'seconds',
  'How long a gate or submission stayed open until it closed',
);

/** Temporal suggests continue-as-new near 10k events or 10 MB; we go earlier unless told otherwise. */
const defaultMaxHistoryEvents = 8_000;
const maxNameLength = 200;
const maxCommentLength = 2000;
const maxEvidenceLinks = 10;

export interface TransitionChange {
  step?: StepName;
  environment?: Environment;
  state?: LifecycleState;
  note: string;
}

export interface WaitSpec<N> {
  name: N;
  /** Defaults to the journey's current environment. */
  environment?: Environment;
  /** Defaults to 1; a rework loop passes its round. */
  round?: number;
  /** Overrides the journey's `limits.waitDeadlineMs` for this wait. */
  deadlineMs?: number;
  /** Overrides the policy's chase for this wait (a certificate renewal never expires the onboarding). */
  timers?: Partial<WaitTimers>;
}

/** A gate awaits the team `gateRoles` names for it. */
export type GateSpec = WaitSpec<GateName>;

/** What a submission's check says: accepted or not, the findings to record, the report to return. */
export interface SubmissionVerdict {
  accepted: boolean;
  findings: FindingSummary[];
  report: Record<string, unknown>;
  /** Recorded on the instance when accepted. */
  artifact?: Record<string, unknown>;
}

export interface SubmissionOptions {
  /** Once accepted, a full replacement may be submitted at any time (PUT semantics). */
  replaceable?: boolean;
  /** What the hub hands the participant with this submission (e.g. a challenge), computed once when the instance opens. */
  provide?: (instanceId: string) => Record<string, unknown>;
}

export type SubmissionHandler = (input: SubmissionInput, instance: SubmissionInstance) => Promise<SubmissionVerdict>;

function nowIso(): string {
  // Date.now() is deterministic inside the workflow sandbox (it is the workflow task's time).
  return new Date(Date.now()).toISOString();
}

/** Lengths in code points, as the API counts them (api/schemas/text.ts). */
const codePoints = (s: string) => [...s].length;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Guards against a start by some other client with a malformed input. */
function assertValidInput(input: OnboardingInput): void {
  const problems: string[] = [];
  if (!isObject(input)) throw refuse('INPUT_INVALID', 'Onboarding input is not an object', { fields: ['(input)'] });
  if (typeof input.participantId !== 'string' || !participantIdPattern.test(input.participantId)) problems.push('participantId');
  if (!(supportedKinds as readonly string[]).includes(input.kind)) problems.push('kind');
  if (typeof input.participant?.legalName !== 'string') problems.push('participant.legalName');
  if (input.kind === 'tpp' && !Array.isArray(input.application?.apis)) problems.push('application.apis');
  if (input.kind === 'dfsp') {
    if (typeof input.participantId === 'string' && !isFspId(input.participantId)) problems.push('participantId');
    if (!Array.isArray(input.registration?.currencies) || input.registration.currencies.length === 0)
      problems.push('registration.currencies');
    if (!isObject(input.registration?.notificationEmails)) problems.push('registration.notificationEmails');
    if (!environments.every((e) => Array.isArray(input.registration?.callbackHosts?.[e]))) problems.push('registration.callbackHosts');
  }
  if (input.kind === 'bank') {
    const r = input.registration;
    if (typeof r?.alias !== 'string' || !bankAliasPattern.test(r.alias)) problems.push('registration.alias');
    if (typeof r?.assetCode !== 'string' || !/^[A-Z]{3}$/.test(r.assetCode)) problems.push('registration.assetCode');
    if (typeof r?.firstEmployeeEmail !== 'string') problems.push('registration.firstEmployeeEmail');
    if (!environments.every((e) => typeof r?.authorizationUrls?.[e] === 'string' && r.authorizationUrls[e].startsWith('https://')))
      problems.push('registration.authorizationUrls');
  }
  if (typeof input.requestFingerprint !== 'string') problems.push('requestFingerprint');
  if (input.policy !== undefined) problems.push(...policyProblems(input.policy));
  if (
    input.resume !== undefined &&
    (!isObject(input.resume) || input.resume.participantId !== input.participantId || !Array.isArray(input.resume.instances))
  ) {
    problems.push('resume');
  }
  if (problems.length > 0) throw refuse('INPUT_INVALID', `Onboarding input is invalid at: ${problems.join(', ')}`, { fields: problems });
}

const isInterval = (v: unknown) => v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v <= 10 * 365 * 86_400_000);

/** A policy some other client started with: approvals 1-10 per known gate, intervals of 100 ms to 10 years or null. */
function policyProblems(policy: GatePolicy): string[] {
  if (!isObject(policy)) return ['policy'];
  const problems: string[] = [];
  const approvals = isObject(policy.approvals) ? Object.entries(policy.approvals) : null;
  if (
    approvals === null ||
    approvals.some(
      ([gate, n]) => !(gateNames as readonly string[]).includes(gate) || !Number.isInteger(n) || (n as number) < 1 || (n as number) > 10,
    )
  ) {
    problems.push('policy.approvals');
  }
  const timerSets = [policy.timers, ...Object.values(isObject(policy.timersFor) ? policy.timersFor : {})];
  if (
    !isObject(policy.timers) ||
    !['remindEveryMs', 'escalateAfterMs', 'expireAfterMs'].every((k) =>
      isInterval((policy.timers as unknown as Record<string, unknown>)[k]),
    )
  )
    problems.push('policy.timers');
  if (timerSets.some((t) => !isObject(t) || Object.values(t).some((v) => !isInterval(v)))) problems.push('policy.timersFor');
  if (!isInterval(policy.renewalLeadMs) || policy.renewalLeadMs === null) problems.push('policy.renewalLeadMs');
  return [...new Set(problems)];
}

function freshStatus(input: OnboardingInput): OnboardingStatus {
  const startedAt = new Date(workflowInfo().startTime.getTime()).toISOString();
  return {
    participantId: input.participantId,
    kind: input.kind,
    environment: 'sandbox',
    step: 'registration',
    state: 'in-progress',
    awaiting: [],
    instances: [],
    tasks: [],
    participant: input.participant,
    data:
      input.kind === 'tpp'
        ? { kind: 'tpp', application: input.application }
        : input.kind === 'dfsp'
          ? { kind: 'dfsp', registration: input.registration }
          : { kind: 'bank', registration: input.registration },
    requestFingerprint: input.requestFingerprint,
    startedAt,
    updatedAt: startedAt,
    continuedAsNew: 0,
    history: [],
  };
}

const openOnes = (instances: WaitInstance[]) => instances.filter((i) => i.status === 'open');

const describeOpen = (s: OnboardingStatus) => s.awaiting.map((a) => a.instanceId);

export class Journey {
  readonly status: OnboardingStatus;
  /**
   * Gate policies (N-of-M approvals, reminders / escalation / expiry, rework of contract and
   * go-live, suspend/resume, renewal after go-live). Onboardings started before them replay
   * without: one approval, a plain deadline, no chase.
   */
  readonly gatePolicies: boolean;
  private readonly submissionHandlers = new Map<SubmissionName, SubmissionHandler>();
  /** Submission handlers call activities and change shared state: one at a time (safe-message-handlers). */
  private readonly submissions = new Mutex();
  /** Submissions that, once accepted, take a full replacement at any time (PUT semantics: allowlists, URLs). */
  private readonly replaceable = new Set<SubmissionName>();
  /** What a cancellation must undo, in registration order (access granted on the gateway, …). */
  private readonly cleanups: { what: string; undo: () => Promise<unknown> }[] = [];
  /** Set while parallel waits unwind because one of them ended unsuccessfully (see `together`). */
  private stopWaiting = false;
  /** The search attribute values this run pushed last, by key (JSON): an unchanged one is not pushed again. */
  private readonly pushed = new Map<string, string>();

  constructor(
    private readonly input: OnboardingInput,
    readonly declaration: JourneyDeclaration,
  ) {
    assertValidInput(input);
    this.gatePolicies = patched('human-gates');
    this.status = input.resume ?? freshStatus(input);
    // A state carried from before tasks existed.
    if (!Array.isArray(this.status.tasks)) this.status.tasks = [];
    if (this.gatePolicies) {
      this.status.policy ??= input.policy ?? defaultGatePolicy;
      this.status.halt ??= null;
      this.status.interventions ??= [];
    }
    setHandler(statusQuery, () => this.status);
    setHandler(decideGate, (decision) => this.recordDecision(decision, 'api'), {
      validator: (decision) => this.validateDecision(decision),
    });
    setHandler(decideGateSignal, (decision) => this.signalledDecision(decision));
    setHandler(suspendOnboarding, (request) => this.suspend(request), { validator: (request) => this.validateHalt(request, 'suspend') });
    setHandler(resumeOnboarding, (request) => this.resume(request), { validator: (request) => this.validateHalt(request, 'resume') });
    setHandler(submit, (submission) => this.handleSubmission(submission), {
      validator: (submission) => this.validateSubmission(submission),
    });
    this.transition({ note: input.resume ? `continued as new (${this.status.continuedAsNew})` : 'onboarding started' });
    if (!input.resume) log.info('onboarding started', { participantId: input.participantId, requestId: input.requestId ?? null });
  }

  /** The only way state changes: status, search attributes and current details move together. */
  transition(change: TransitionChange): void {
    const at = nowIso();
    const s = this.status;
    if (change.step !== undefined) s.step = change.step;
    if (change.environment !== undefined) s.environment = change.environment;
    s.awaiting = openOnes(s.instances).map((i): AwaitedInput => {
      const awaited: AwaitedInput = {
        instanceId: i.id,
        type: i.type,
        name: i.name,
        environment: i.environment,
        round: i.round,
        role: i.role,
        since: i.openedAt,
      };
      if (i.type === 'gate' && (i.required ?? 1) > 1) awaited.approvals = { have: approversOf(i), need: i.required ?? 1 };
      return awaited;
    });
    s.state = change.state ?? s.halt?.state ?? (s.liveSince !== undefined ? 'live' : this.waitingState());
    s.updatedAt = at;
    s.history.push({ at, step: s.step, environment: s.environment, state: s.state, note: change.note });
    this.pushSearchAttributes(onboardingSearchAttributes(s));
    setCurrentDetails(renderCurrentDetails(s));
    log.info('onboarding transition', { step: s.step, environment: s.environment, state: s.state, awaiting: describeOpen(s) });
  }

  /**
   * Only the attributes whose value changed since this run last pushed them: most transitions
   * (a submission accepted among parallel waits, a reminder) change none, and an unchanged upsert
   * would still be an event in the history and a visibility write on the server. Onboardings that
   * transitioned before this replay with every attribute on every transition.
   */
  private pushSearchAttributes(pairs: SearchAttributeUpdatePair[]): void {
    if (!patched('search-attributes-when-changed')) {
      upsertSearchAttributes(pairs);
      return;
    }
    const changed = pairs.filter((pair) => this.pushed.get(pair.key.name) !== JSON.stringify(pair.value));
    if (changed.length === 0) return;
    upsertSearchAttributes(changed);
    for (const pair of changed) this.pushed.set(pair.key.name, JSON.stringify(pair.value));
  }

  /**
   * Moves the journey to a later environment (sandbox → production) inside the same workflow.
   * Environments only move forward: a journey resumed after continue-as-new in production passes
   * over its sandbox steps (found closed in the state) without moving back.
   */
  enter(environment: Environment): void {
    if (environments.indexOf(environment) <= environments.indexOf(this.status.environment)) return;
    this.transition({ environment, note: `entered ${environment}` });
  }

  /**
   * A safe point between steps: when the history is long (Temporal's suggestion, or our limit),
   * wait for running handlers, then continue as new with the state. Step functions call it before
   * opening a wait.
   */
  async checkpoint(): Promise<void> {
    const info = workflowInfo();
    const limit = this.input.limits?.maxHistoryEvents ?? defaultMaxHistoryEvents;
    if (!info.continueAsNewSuggested && info.historyLength < limit) return;
    await condition(allHandlersFinished);
    log.info('continuing as new', { historyLength: info.historyLength, limit });
    const carried: OnboardingStatus = { ...this.status, continuedAsNew: this.status.continuedAsNew + 1 };
    await continueAsNew<(input: OnboardingInput) => Promise<OnboardingStatus>>({ ...this.input, resume: carried });
  }

  /** Opens a gate instance, or finds it in the carried state (after continue-as-new or a repeated call). */
  openGate(spec: GateSpec): GateInstance {
    this.assertDeclared('gates', spec.name);
    const policy = this.status.policy;
    return this.openInstance(
      spec,
      (base) => ({
        ...base,
        type: 'gate',
        name: spec.name,
        role: gateRoles[spec.name],
        decision: null,
        ...(policy ? { required: Math.max(1, policy.approvals[spec.name] ?? 1), decisions: [] } : {}),
      }),
      (i) => `waiting for ${i.required !== undefined && i.required > 1 ? `${i.required} approvers of ` : ''}${i.role}`,
    );
  }

  /**
   * Opens a submission instance. `replaceable`: once accepted, the participant may send a full
   * replacement at any time later (the same `submit` update and check); the instance stays
   * accepted and its artifact becomes the latest accepted one — no new onboarding, no new round.
   */
  openSubmission(spec: WaitSpec<SubmissionName>, handler: SubmissionHandler, options: SubmissionOptions = {}): SubmissionInstance {
    this.assertDeclared('submissions', spec.name);
    this.submissionHandlers.set(spec.name, handler);
    if (options.replaceable) this.replaceable.add(spec.name);
    return this.openInstance(
      spec,
      (base) => ({
        ...base,
        type: 'submission',
        name: spec.name,
        role: 'participant',
        attempts: [],
        artifact: null,
        ...(options.provide ? { provided: options.provide(base.id) } : {}),
      }),
      () => "waiting for the participant's submission",
    );
  }

  /**
   * Runs a hub task (an activity or several) for the environment once: recorded as running, then
   * done with its result or failed with the failure's type; a task found done in the carried state
   * (continue-as-new, a repeated call) is not run again.
   */
  async task(name: TaskName, environment: Environment, run: () => Promise<Record<string, unknown>>): Promise<TaskRecord> {
    const id = `${name}@${environment}`;
    const found = this.status.tasks.find((t) => t.id === id);
    if (found?.status === 'done') return found;
    const record: TaskRecord = found ?? {
      id,
      name,
      environment,
      status: 'running',
      startedAt: nowIso(),
      finishedAt: null,
      result: null,
      error: null,
    };
    if (!found) this.status.tasks.push(record);
    record.status = 'running';
    this.transition({ step: name, note: `${id}: started` });
    try {
      record.result = await run();
      record.status = 'done';
      record.finishedAt = nowIso();
      this.transition({ note: `${id}: done` });
    } catch (err) {
      if (isCancellation(err)) throw err;
      const failure =
        err instanceof ActivityFailure && err.cause instanceof ApplicationFailure
          ? err.cause
          : err instanceof ApplicationFailure
            ? err
            : null;
      record.status = 'failed';
      record.finishedAt = nowIso();
      record.error = { type: failure?.type ?? null, message: (failure ?? (err as Error)).message };
      this.transition({ note: `${id}: failed (${record.error.type ?? 'error'})` });
    }
    return record;
  }

  /** The instance for (name, environment, round): the one in the state, or a new open one. */
  private openInstance<I extends WaitInstance>(
    spec: WaitSpec<I['name']>,
    build: (
      base: Omit<InstanceKey, 'name'> & {
        id: string;
        status: 'open';
        openedAt: string;
        deadlineAt: string | null;
        closedAt: null;
        chase?: WaitChase;
      },
    ) => I,
    waiting: (instance: I) => string,
  ): I {
    const key = this.keyOf(spec);
    const existing = this.instance(key);
    if (existing !== undefined) return existing as I;
    const openedAt = nowIso();
    const instance = build({
      environment: key.environment,
      round: key.round,
      id: instanceId(key),
      status: 'open',
      openedAt,
      deadlineAt: this.status.policy ? null : this.deadlineOf(spec),
      closedAt: null,
      ...(this.status.policy
        ? {
            chase: {
              timers: { ...timersFor(this.status.policy, spec.name), ...spec.timers },
              since: openedAt,
              reminders: 0,
              escalated: false,
              events: [],
            },
          }
        : {}),
    });
    this.status.instances.push(instance);
    this.transition({ step: spec.name, note: `${instance.id}: ${waiting(instance)}` });
    return instance;
  }

  /** Waits until the instance is decided, accepted or past its deadline (then marked `expired`). */
  async waitClosed<I extends WaitInstance>(instance: I): Promise<I> {
    const wasOpen = instance.status === 'open';
    const result = await this.waitUntilClosed(instance);
    if (wasOpen && result.closedAt !== null) {
      // How long people and participants take, per gate and role: the bottleneck the hub manages.
      waitSeconds.record((Date.parse(result.closedAt) - Date.parse(result.openedAt)) / 1000, {
        kind: this.status.kind,
        type: result.type,
        name: result.name,
        environment: result.environment,
        role: result.role,
        outcome: result.status,
      });
    }
    return result;
  }

  private async waitUntilClosed<I extends WaitInstance>(instance: I): Promise<I> {
    if (instance.chase !== undefined) return this.waitChasing(instance, instance.chase);
    const remaining = instance.deadlineAt === null ? undefined : Math.max(0, Date.parse(instance.deadlineAt) - Date.now());
    const done = () => instance.status !== 'open' || this.stopWaiting;
    const closed = remaining === undefined ? (await condition(done), true) : await condition(done, remaining);
    if (!closed) {
      instance.status = 'expired';
      instance.closedAt = nowIso();
      this.transition({ note: `${instance.id}: expired waiting for ${instance.role}` });
    }
    return instance;
  }

  /**
   * Waits while chasing (gate policies): reminders to the awaited role at every interval, the
   * escalation contact once, then the onboarding expires — it stands still until an operator
   * resumes it, and the wait goes on. Suspended or expired, no timer of any wait fires.
   */
  private async waitChasing<I extends WaitInstance>(instance: I, chase: WaitChase): Promise<I> {
    const done = () => instance.status !== 'open' || this.stopWaiting;
    const halted = () => (this.status.halt ?? null) !== null;
    while (!done()) {
      if (halted()) {
        await condition(() => done() || !halted());
        continue;
      }
      const next = nextChase(chase);
      if (next === null) {
        await condition(() => done() || halted());
        continue;
      }
      const wait = Date.parse(next.at) - Date.now();
      if (wait > 0 && (await condition(() => done() || halted(), wait))) continue;
      await this.chaseOnce(instance, chase, next.type);
    }
    return instance;
  }

  private async chaseOnce(instance: WaitInstance, chase: WaitChase, type: ChaseEvent['type']): Promise<void> {
    const at = nowIso();
    if (type === 'reminder') {
      chase.reminders += 1;
      chase.events.push({ at, type, n: chase.reminders, to: instance.role });
      this.transition({ note: `${instance.id}: reminder ${chase.reminders} to ${instance.role}` });
    } else if (type === 'escalation') {
      chase.escalated = true;
      chase.events.push({ at, type, to: 'escalation' });
      this.transition({ note: `${instance.id}: escalated (waiting for ${instance.role} since ${chase.since})` });
    } else {
      chase.events.push({ at, type, to: instance.role });
      const reason = `${instance.id} was not answered by ${instance.role} in time`;
      this.status.halt = { state: 'expired', since: at, by: 'timer', reason, instanceId: instance.id };
      this.interventions().push({ at, action: 'expired', by: 'timer', via: 'timer', reason, instanceId: instance.id });
      this.transition({ note: `${instance.id}: expired; the onboarding waits for an operator to resume it` });
    }
    await notifyChase(this, instance, chase.events[chase.events.length - 1] as ChaseEvent);
  }

  private interventions() {
    this.status.interventions ??= [];
    return this.status.interventions;
  }

  private validateHalt(input: HaltInput, action: 'suspend' | 'resume'): void {
    if (!isObject(input)) throw refuse('DECISION_INVALID', 'A suspend or resume names who and why', { field: 'reason' });
    assertInTime(input.notAfter);
    if (!this.gatePolicies)
      throw refuse('HALT_STATE_CONFLICT', 'This onboarding was started before suspend and resume existed', { state: this.status.state });
    if (typeof input.by !== 'string' || input.by.trim() === '' || codePoints(input.by) > maxNameLength)
      throw refuse('DECISION_INVALID', 'by must name the operator', { field: 'by' });
    if (typeof input.reason !== 'string' || input.reason.trim() === '' || codePoints(input.reason) > maxCommentLength) {
      throw refuse('DECISION_INVALID', `reason must be a non-empty string of at most ${maxCommentLength} characters`, { field: 'reason' });
    }
    const halt = this.status.halt ?? null;
    if (action === 'suspend' && halt !== null)
      throw refuse('HALT_STATE_CONFLICT', `The onboarding is already ${halt.state} (since ${halt.since})`, { state: this.status.state });
    if (action === 'resume' && halt === null)
      throw refuse('HALT_STATE_CONFLICT', `The onboarding is not suspended or expired (state ${this.status.state})`, {
        state: this.status.state,
      });
    if (!['in-progress', 'awaiting-approval', 'awaiting-participant', 'suspended', 'expired', 'live'].includes(this.status.state)) {
      throw refuse('HALT_STATE_CONFLICT', `The onboarding has ended (${this.status.state})`, { state: this.status.state });
    }
  }

  /** An operator stops the clock: no reminder fires, nothing is decided or submitted until resumed. */
  private suspend(input: HaltInput): OnboardingStatus {
    const at = nowIso();
    this.status.halt = { state: 'suspended', since: at, by: input.by, reason: input.reason };
    this.interventions().push({ at, action: 'suspended', by: input.by, via: 'api', reason: input.reason });
    this.transition({ note: `suspended by ${input.by}` });
    log.info('onboarding suspended', { by: input.by, requestId: input.requestId ?? null });
    return this.status;
  }

  /**
   * Goes on where it stood: every open wait's timers move on by the time stood still; the wait
   * that expired starts its chase afresh.
   */
  private resume(input: HaltInput): OnboardingStatus {
    const halt = this.status.halt;
    if (!halt) return this.status;
    const at = nowIso();
    const stood = Date.now() - Date.parse(halt.since);
    for (const open of openOnes(this.status.instances)) {
      if (open.chase === undefined) continue;
      if (open.id === halt.instanceId) {
        open.chase.since = at;
        open.chase.reminders = 0;
        open.chase.escalated = false;
      } else {
        open.chase.since = new Date(Date.parse(open.chase.since) + stood).toISOString();
      }
    }
    this.status.halt = null;
    this.interventions().push({
      at,
      action: 'resumed',
      by: input.by,
      via: 'api',
      reason: input.reason,
      ...(halt.instanceId ? { instanceId: halt.instanceId } : {}),
    });
    this.transition({ note: `resumed by ${input.by} (was ${halt.state})` });
    log.info('onboarding resumed', { by: input.by, was: halt.state, requestId: input.requestId ?? null });
    return this.status;
  }

  /**
   * A decision sent as a signal (Temporal Web UI, CLI): the same validation as the API's update.
   * A refused one changes nothing but is recorded (history, interventions, log) with its reason.
   */
  private signalledDecision(input: GateDecisionInput): void {
    try {
      this.validateDecision(input);
    } catch (err) {
      const failure = err instanceof ApplicationFailure ? err : null;
      const by =
        isObject(input) && typeof input.decidedBy === 'string' && input.decidedBy.trim() !== ''
          ? input.decidedBy.slice(0, maxNameLength)
          : '(unnamed)';
      const gate = isObject(input) && typeof input.gate === 'string' ? input.gate.slice(0, 40) : '(no gate)';
      const reason = failure?.message ?? String(err);
      this.interventions().push({
        at: nowIso(),
        action: 'signal-refused',
        by,
        via: 'signal',
        reason,
        code: failure?.type ?? 'DECISION_INVALID',
      });
      this.transition({ note: `signal decision on ${gate} from ${by} refused (${failure?.type ?? 'DECISION_INVALID'}): ${reason}` });
      log.warn('signal decision refused', { gate, by, code: failure?.type ?? null, reason });
      return;
    }
    this.recordDecision(input, 'signal');
  }

  /**
   * Waits run in parallel (e.g. the production certificate bundle beside the contract): resolves
   * when all ended well, or as soon as one ended otherwise — the others stop waiting and stay
   * open until `finish` withdraws them.
   */
  async together<T extends readonly (Promise<WaitInstance> | null)[]>(waits: T): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
    try {
      return (await Promise.all(
        waits.map(
          (wait) =>
            wait?.then((instance) => {
              if (!succeeded(instance)) this.stopWaiting = true;
              return instance;
            }) ?? null,
        ),
      )) as { [K in keyof T]: Awaited<T[K]> };
    } finally {
      this.stopWaiting = false;
    }
  }

  /**
   * Runs a kind's journey. An operator's cancellation (POST /onboardings/:id/cancel) ends it as
   * `cancelled`: open waits are withdrawn and the UI shows the end, then the cancellation goes on.
   */
  async run(journey: () => Promise<OnboardingStatus>): Promise<OnboardingStatus> {
    try {
      return await journey();
    } catch (err) {
      if (!isCancellation(err)) throw err;
      this.withdrawOpen();
      // What the onboarding granted is taken back before it ends (the cancellation cannot interrupt it).
      await CancellationScope.nonCancellable(async () => {
        for (const cleanup of this.cleanups) {
          await cleanup.undo();
          this.transition({ note: `cancelled: ${cleanup.what}` });
        }
      });
      this.transition({ state: 'cancelled', note: 'cancelled by an operator' });
      throw err;
    }
  }

  /** Registers what a cancellation must undo (once per `what`: a step re-run after continue-as-new registers again). */
  onCancel(what: string, undo: () => Promise<unknown>): void {
    if (!this.cleanups.some((c) => c.what === what)) this.cleanups.push({ what, undo });
  }

  private withdrawOpen(): void {
    for (const open of openOnes(this.status.instances)) {
      open.status = 'withdrawn';
      open.closedAt = nowIso();
    }
  }

  /** Ends the journey: open waits are withdrawn, in-flight handlers finish first. */
  async finish(state: 'completed' | 'rejected' | 'expired' | 'failed', note: string): Promise<OnboardingStatus> {
    await this.settle();
    this.transition({ step: state === 'completed' ? 'done' : this.status.step, state, note });
    return this.status;
  }

  /**
   * Onboarding done, the participant in service: open waits are withdrawn, in-flight handlers
   * finish first; from here the state is `live` (or suspended) while renewals come and go.
   */
  async live(note: string): Promise<void> {
    await this.settle();
    this.status.liveSince = nowIso();
    this.transition({ step: 'done', note });
  }

  /** In-flight handlers finish, then what is still open is withdrawn. */
  private async settle(): Promise<void> {
    await condition(allHandlersFinished);
    this.withdrawOpen();
  }

  instance(key: InstanceKey): WaitInstance | undefined {
    const id = instanceId(key);
    return this.status.instances.find((i) => i.id === id);
  }

  /** A journey opens only the gates and submissions its kind declares (`journeys` in messages.ts). */
  private assertDeclared(what: 'gates' | 'submissions', name: string): void {
    if (!(this.declaration[what] as readonly string[]).includes(name)) {
      throw refuse('STATE_CORRUPT', `${this.status.kind} onboardings declare no ${what === 'gates' ? 'gate' : 'submission'} ${name}`);
    }
  }

  private keyOf<N extends GateName | SubmissionName>(spec: WaitSpec<N>): InstanceKey & { name: N } {
    return { name: spec.name, environment: spec.environment ?? this.status.environment, round: spec.round ?? 1 };
  }

  private deadlineOf(spec: WaitSpec<unknown>): string | null {
    const ms = spec.deadlineMs ?? this.input.limits?.waitDeadlineMs;
    return ms === undefined ? null : new Date(Date.now() + ms).toISOString();
  }

  private waitingState(): LifecycleState {
    const open = this.status.awaiting;
    if (open.length === 0) return 'in-progress';
    return open.every((a) => a.role === 'participant') ? 'awaiting-participant' : 'awaiting-approval';
  }

  /** The open instances of `name` (in `environment` when given). */
  private openInstances<T extends WaitInstance['type']>(
    type: T,
    name: string,
    environment: Environment | undefined,
  ): Extract<WaitInstance, { type: T }>[] {
    return openOnes(this.status.instances).filter(
      (i): i is Extract<WaitInstance, { type: T }> =>
        i.type === type && i.name === name && (environment === undefined || i.environment === environment),
    );
  }

  /** Exactly one open instance, or a refusal that lists what is open. */
  private theOpenInstance<T extends WaitInstance['type']>(
    type: T,
    name: string,
    environment: Environment | undefined,
  ): Extract<WaitInstance, { type: T }> {
    const candidates = this.openInstances(type, name, environment);
    const what = environment ? `${name} in ${environment}` : name;
    if (candidates.length === 0) {
      throw refuse(
        type === 'gate' ? 'GATE_NOT_AWAITED' : 'SUBMISSION_NOT_AWAITED',
        this.status.awaiting.length === 0
          ? `The onboarding is not waiting for anything (state ${this.status.state}, step ${this.status.step})`
          : `The onboarding is not waiting for ${what}; open: ${describeOpen(this.status).join(', ')}`,
        { open: describeOpen(this.status), state: this.status.state },
      );
    }
    if (candidates.length > 1) {
      throw refuse(type === 'gate' ? 'DECISION_INVALID' : 'SUBMISSION_INVALID', `${name} is open in several environments: say which`, {
        field: 'environment',
        open: candidates.map((c) => c.id),
      });
    }
    return candidates[0] as Extract<WaitInstance, { type: T }>;
  }

  /** Synchronous by necessity: an async validator's rejection never reaches the caller. */
  private validateDecision(input: GateDecisionInput): void {
    if (!isObject(input) || typeof input.gate !== 'string')
      throw refuse('DECISION_INVALID', 'A decision names its gate', { field: 'gate' });
    assertInTime(input.notAfter);
    if (!(this.declaration.gates as readonly string[]).includes(input.gate)) {
      throw refuse(
        'GATE_NOT_AWAITED',
        `${this.status.kind} onboardings have no gate ${input.gate} (they have: ${this.declaration.gates.join(', ')})`,
        {
          open: describeOpen(this.status),
          state: this.status.state,
        },
      );
    }
    if (input.environment !== undefined && !environments.includes(input.environment)) {
      throw refuse('DECISION_INVALID', `environment must be one of ${environments.join(', ')}`, { field: 'environment' });
    }
    this.assertNotHalted();
    const instance = this.theOpenInstance('gate', input.gate, input.environment);
    const invalid = decisionProblem(input);
    if (invalid !== null) throw refuse('DECISION_INVALID', invalid.message, { field: invalid.field });
    if (input.decision === 'approved' && approversOf(instance).some((name) => sameApprover(name, input.decidedBy))) {
      throw refuse(
        'APPROVER_ALREADY_DECIDED',
        `${input.decidedBy} already approved ${instance.id}; it needs ${instance.required ?? 1} distinct approvers`,
        {
          instanceId: instance.id,
          approvals: approversOf(instance),
          need: instance.required ?? 1,
        },
      );
    }
  }

  private assertNotHalted(): void {
    const halt = this.status.halt ?? null;
    if (halt !== null) {
      throw refuse(
        'ONBOARDING_HALTED',
        `The onboarding is ${halt.state} since ${halt.since} (${halt.reason}); an operator must resume it first`,
        { state: halt.state, since: halt.since },
      );
    }
  }

  /**
   * Records a decision. N-of-M: an approval closes the round once `required` distinct approvers
   * approved; until then the gate stays open with the approvals listed. One rejection closes it.
   */
  private recordDecision(input: GateDecisionInput, via: DecisionChannel): GateInstance {
    // The validator ran on this same state; this repeats it for an update replayed after acceptance.
    const instance = this.theOpenInstance('gate', input.gate, input.environment);
    const at = nowIso();
    const record = {
      decision: input.decision,
      decidedBy: input.decidedBy,
      ...(this.gatePolicies ? { via } : {}),
      comment: input.comment ?? null,
      evidence: (input.evidence ?? []).map(({ label, url }) => ({ label, url })),
      at,
      requestHash: input.requestHash ?? null,
    };
    instance.decisions?.push(record);
    // Before gate policies a gate had no list of decisions: its one approval closed it.
    const approvals = instance.decisions ? approversOf(instance).length : Number(input.decision === 'approved');
    const need = instance.required ?? 1;
    if (input.decision === 'rejected' || approvals >= need) {
      instance.status = input.decision;
      instance.closedAt = at;
      instance.decision = record;
      this.transition({ note: `${instance.id}: ${input.decision} by ${input.decidedBy}${via === 'signal' ? ' (signal)' : ''}` });
    } else {
      this.transition({
        note: `${instance.id}: approval ${approvals} of ${need} by ${input.decidedBy}${via === 'signal' ? ' (signal)' : ''}`,
      });
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

  private validateSubmission(input: SubmissionInput): void {
    if (!isObject(input) || !(submissionNames as readonly string[]).includes(input.name)) {
      throw refuse('SUBMISSION_INVALID', `A submission names one of: ${submissionNames.join(', ')}`, { field: 'name' });
    }
    assertInTime(input.notAfter);
    if (input.environment !== undefined && !environments.includes(input.environment)) {
      throw refuse('SUBMISSION_INVALID', `environment must be one of ${environments.join(', ')}`, { field: 'environment' });
    }
    if (typeof input.submittedBy !== 'string' || input.submittedBy.trim() === '' || codePoints(input.submittedBy) > maxNameLength) {
      throw refuse('SUBMISSION_INVALID', `submittedBy must be a non-empty string of at most ${maxNameLength} characters`, {
        field: 'submittedBy',
      });
    }
    if (!isObject(input.payload)) throw refuse('SUBMISSION_INVALID', 'payload must be an object', { field: 'payload' });
    this.assertNotHalted();
    this.submissionTarget(input.name, input.environment);
  }

  /** The open instance a submission answers, or — for a replaceable submission — the accepted one it replaces. */
  private submissionTarget(name: SubmissionName, environment: Environment | undefined): SubmissionInstance {
    if (this.replaceable.has(name) && this.openInstances('submission', name, environment).length === 0) {
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
    return this.theOpenInstance('submission', name, environment);
  }

  /**
   * Runs the submission's check (an activity) under the mutex, records the attempt on the
   * instance, and either accepts it (the step moves on) or refuses it with SUBMISSION_REFUSED
   * carrying the findings — the participant fixes and submits again, as often as needed.
   */
  private handleSubmission(input: SubmissionInput): Promise<SubmissionOutcome> {
    return this.submissions.runExclusive(async () => {
      // Re-checked under the lock: an earlier submission may have been accepted meanwhile.
      const instance = this.submissionTarget(input.name, input.environment);
      const replacing = instance.status === 'accepted';
      const handler = this.submissionHandlers.get(input.name);
      if (handler === undefined) throw refuse('STATE_CORRUPT', `No handler for the open submission ${instance.id}`);
      const verdict = await handler(input, instance);
      const at = nowIso();
      instance.attempts.push({ at, submittedBy: input.submittedBy, accepted: verdict.accepted, findings: verdict.findings });
      log.info('submission checked', {
        instanceId: instance.id,
        attempt: instance.attempts.length,
        accepted: verdict.accepted,
        requestId: input.requestId ?? null,
      });
      if (!verdict.accepted) {
        this.transition({
          note: `${instance.id}: submission ${instance.attempts.length} refused (${
            verdict.findings
              .filter((f) => f.result === 'fail')
              .map((f) => f.code)
              .join(', ') || 'blocking warnings'
          })`,
        });
        throw refuse('SUBMISSION_REFUSED', `The ${input.name} does not pass the checks`, {
          instanceId: instance.id,
          attempt: instance.attempts.length,
          requestHash: input.requestHash ?? null,
          report: verdict.report,
        });
      }
      instance.artifact = verdict.artifact ?? null;
      if (replacing) {
        this.transition({ note: `${instance.id}: replaced by submission ${instance.attempts.length} from ${input.submittedBy}` });
      } else {
        instance.status = 'accepted';
        instance.closedAt = at;
        this.transition({ note: `${instance.id}: submission ${instance.attempts.length} accepted from ${input.submittedBy}` });
      }
      return {
        requestHash: input.requestHash ?? null,
        instance: { ...instance },
        report: verdict.report,
        progress: progressOf(this.status),
      };
    });
  }
}

/**
 * With no worker polling, an update waits in Temporal until one returns — long after the HTTP
 * caller gave up. The caller's deadline travels with it; a late one is refused, not applied.
 */
function assertInTime(notAfter: string | undefined): void {
  if (notAfter === undefined) return;
  const deadline = Date.parse(notAfter);
  if (Number.isNaN(deadline)) throw refuse('DECISION_INVALID', 'notAfter must be an ISO time', { field: 'notAfter' });
  if (Date.now() > deadline)
    throw refuse('REQUEST_EXPIRED', `The request expired at ${notAfter}, before the onboarding could take it`, { notAfter });
}

/** A wait that did not end well ends the journey (rework rounds arrive with the human-gates issue). */
export function endedBy(journey: Journey, instance: WaitInstance): Promise<OnboardingStatus> {
  return journey.finish(instance.status === 'expired' ? 'expired' : 'rejected', `${instance.id} ${instance.status}`);
}

/** A wait that ended the way the journey goes on: a gate approved, a submission accepted. */
export function succeeded(instance: WaitInstance): boolean {
  return instance.status === 'approved' || instance.status === 'accepted';
}

/** The first wait among `instances` that ended (not merely stopped waiting) without success. */
export function firstUnsuccessful(instances: readonly (WaitInstance | null)[]): WaitInstance | undefined {
  return instances.find((i): i is WaitInstance => i !== null && i.status !== 'open' && !succeeded(i));
}

/** The distinct principals who approved this round so far. */
export function approversOf(gate: GateInstance): string[] {
  return (gate.decisions ?? []).filter((d) => d.decision === 'approved').map((d) => d.decidedBy);
}

/** Principal names compare without case and surrounding space: "Omar@Hub " approved is omar@hub. */
function sameApprover(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** The chase's next event: a reminder, the escalation or the expiry, whichever comes first; null when none is due ever. */
export function nextChase(chase: WaitChase): { type: ChaseEvent['type']; at: string } | null {
  const since = Date.parse(chase.since);
  const { remindEveryMs, escalateAfterMs, expireAfterMs } = chase.timers;
  const due: { type: ChaseEvent['type']; at: number }[] = [];
  if (expireAfterMs !== null) due.push({ type: 'expiry', at: since + expireAfterMs });
  if (escalateAfterMs !== null && !chase.escalated) due.push({ type: 'escalation', at: since + escalateAfterMs });
  if (remindEveryMs !== null && remindEveryMs > 0) due.push({ type: 'reminder', at: since + (chase.reminders + 1) * remindEveryMs });
  // The earliest; on a tie the expiry, then the escalation (a reminder at the same moment would say less).
  const first = due.reduce<(typeof due)[number] | null>((min, d) => (min === null || d.at < min.at ? d : min), null);
  return first === null ? null : { type: first.type, at: new Date(first.at).toISOString() };
}

function decisionProblem(input: GateDecisionInput): { field: string; message: string } | null {
  if (!decisions.includes(input.decision as Decision)) {
    return { field: 'decision', message: `decision must be one of ${decisions.join(', ')}` };
  }
  if (typeof input.decidedBy !== 'string' || input.decidedBy.trim() === '' || codePoints(input.decidedBy) > maxNameLength) {
    return { field: 'decidedBy', message: `decidedBy must be a non-empty string of at most ${maxNameLength} characters` };
  }
  if (input.comment !== undefined && (typeof input.comment !== 'string' || codePoints(input.comment) > maxCommentLength)) {
    return { field: 'comment', message: `comment must be a string of at most ${maxCommentLength} characters` };
  }
  if (input.decision === 'rejected' && (input.comment ?? '').trim() === '') {
    return { field: 'comment', message: 'a rejection needs a comment giving the reason' };
  }
  const evidence = input.evidence ?? [];
  if (!Array.isArray(evidence) || evidence.length > maxEvidenceLinks)
    return { field: 'evidence', message: `evidence must be a list of at most ${maxEvidenceLinks} links` };
  for (const link of evidence as unknown[]) {
    const { label, url } = (link ?? {}) as { label?: unknown; url?: unknown };
    if (typeof label !== 'string' || label.trim() === '' || codePoints(label) > maxNameLength)
      return { field: 'evidence', message: `each evidence link needs a label of 1-${maxNameLength} characters` };
    if (typeof url !== 'string' || !/^https:\/\/[^\s/]+\/?\S*$/.test(url) || url.length > 2048)
      return { field: 'evidence', message: `evidence url "${String(url).slice(0, 80)}" must be an https URL` };
  }
  if (input.decision === 'approved' && evidenceRequiredFor.includes(input.gate) && evidence.length === 0) {
    return { field: 'evidence', message: `approving ${input.gate} needs at least one evidence link (e.g. the test report)` };
  }
  return null;
}

/** Markdown for the UI's "Current Details": ids and roles only, never personal data or secrets. */
export function renderCurrentDetails(s: OnboardingStatus): string {
  const lines = [`**${s.participantId}** · ${s.kind} · ${s.environment}`, '', `Step: \`${s.step}\` · State: \`${s.state}\``];
  if (s.awaiting.length > 0) {
    lines.push('', 'Waiting on:');
    for (const a of s.awaiting) {
      const approvals = a.approvals
        ? ` (${a.approvals.have.length} of ${a.approvals.need} approvals${a.approvals.have.length > 0 ? `: ${a.approvals.have.map(escapeMarkdown).join(', ')}` : ''})`
        : '';
      lines.push(`- **${a.role}** for \`${a.instanceId}\` since ${a.since}${approvals}`);
    }
  }
  if (s.halt) lines.push('', `**${s.halt.state}** since ${s.halt.since} by ${escapeMarkdown(s.halt.by)}: ${escapeMarkdown(s.halt.reason)}`);
  const attention = (s.certificates ?? []).filter((c) => c.state === 'renewal-due' || c.state === 'expired');
  if (s.certificates !== undefined) {
    lines.push(
      '',
      attention.length === 0
        ? `Certificates: all ${s.certificates.filter((c) => c.state === 'valid').length} in force are valid`
        : 'Certificates needing renewal:',
    );
    for (const c of attention)
      lines.push(`- \`${c.id}\` **${c.state}**, ends ${c.notAfter}${c.renewal ? ` (renewal \`${c.renewal}\`)` : ''}`);
  }
  const last = s.history[s.history.length - 1];
  // Notes carry principal names (from key files or an IdP's tokens): escaped, never rendered as Markdown.
  if (last !== undefined) lines.push('', `Last: ${escapeMarkdown(last.note)} (${last.at})`);
  return lines.join('\n');
}
