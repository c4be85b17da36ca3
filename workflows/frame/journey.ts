/**
 * The frame every kind's journey runs in. A `Journey` owns the onboarding's state (frame/state.ts),
 * registers its message handlers (frame/handlers.ts) and offers the steps what they compose: open
 * a gate or a submission instance — (name, environment, round), several at once — wait for it while
 * it is chased (frame/chase.ts), run a hub task once, wait for several in parallel, continue as new
 * at checkpoints carrying the state, and end (finished, live, cancelled). Step functions find their
 * instance already in a carried state and carry on where the last run stopped.
 */
import { about } from './summaries';
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
  workflowInfo,
} from '@temporalio/workflow';
import type { TaskResults } from '../artifacts';
import { refuse } from '../errors';
import { notifyOpened } from './notify';
import type { OnboardingInput } from '../inputs';
import { timersFor, type JourneyLimits } from '../policy';
import type { GateInstance, OnboardingStatus, SubmissionInstance, TaskRecord, TaskRecordOf, WaitInstance } from '../state';
import {
  type Environment,
  environments,
  gateRoles,
  instanceId,
  type InstanceKey,
  type JourneyDeclaration,
  type SubmissionName,
  type TaskName,
  taskId,
} from '../vocabulary';
import { AccessControl } from './access';
import { waitChasing } from './chase';
import { isObject, startInputProblems } from './guards';
import { registerHandlers, SubmissionChecks } from './handlers';
import { JourneyState, nowIso, succeeded, type TransitionChange } from './state';
import type { GateSpec, SubmissionHandler, SubmissionOptions, WaitSpec } from './submission-types';
import { HubTaskFailure } from './tasks';

/** Emitted by the worker's Prometheus exporter (not on replay): onboarding_wait_seconds{kind,type,name,environment,role,outcome}. */
const waitSeconds = metricMeter.createHistogram(
  'onboarding_wait',
  'float',
  'seconds',
  'How long a gate or submission stayed open until it closed',
);

/** Temporal suggests continue-as-new near 10k events or 10 MB; we go earlier unless told otherwise. */
const defaultMaxHistoryEvents = 8_000;

type WaitResults<T> = { [K in keyof T]: Awaited<T[K]> };

export class Journey {
  private readonly state: JourneyState;
  private readonly checks = new SubmissionChecks();
  private readonly access: AccessControl;
  /** What a cancellation must undo, in registration order (access granted on the gateway, …). */
  private readonly cleanups: { what: string; undo: () => Promise<unknown> }[] = [];

  constructor(
    private readonly input: OnboardingInput,
    readonly declaration: JourneyDeclaration,
  ) {
    if (!isObject(input)) throw refuse('INPUT_INVALID', 'Onboarding input is not an object', { fields: ['(input)'] });
    const problems = startInputProblems(input);
    if (problems.length > 0) throw refuse('INPUT_INVALID', `Onboarding input is invalid at: ${problems.join(', ')}`, { fields: problems });
    this.state = new JourneyState(input, declaration);
    this.access = new AccessControl(this.state);
    registerHandlers(this.state, this.checks);
    this.transition({ note: input.resume ? `continued as new (${this.status.continuedAsNew})` : 'onboarding started' });
    if (!input.resume) log.info('onboarding started', { participantId: input.participantId, requestId: input.requestId ?? null });
  }

  /** The operational limits the journey was started with. */
  get limits(): JourneyLimits {
    return this.input.limits ?? {};
  }

  get status(): OnboardingStatus {
    return this.state.status;
  }

  /** The only way state changes (see JourneyState.transition). */
  transition(change: TransitionChange): void {
    this.state.transition(change);
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
    await this.noticesSent();
    log.info('continuing as new', { historyLength: info.historyLength, limit });
    const carried: OnboardingStatus = { ...this.status, continuedAsNew: this.status.continuedAsNew + 1 };
    await continueAsNew<(input: OnboardingInput) => Promise<OnboardingStatus>>({ ...this.input, resume: carried });
  }

  /** Opens a gate instance, or finds it in the carried state (after continue-as-new or a repeated call). */
  openGate(spec: GateSpec): GateInstance {
    this.assertDeclared('gates', spec.name);
    const required = Math.max(1, this.status.policy.approvals[spec.name] ?? 1);
    return this.openInstance<GateInstance>(
      spec,
      (base) => ({
        ...base,
        type: 'gate',
        name: spec.name,
        role: gateRoles[spec.name],
        decision: null,
        required,
        decisions: [],
        ...(spec.run ? { run: spec.run } : {}),
      }),
      (i) => `waiting for ${i.required > 1 ? `${i.required} approvers of ` : ''}${i.role}`,
    );
  }

  /**
   * Lets the participant (or an operator) open the next round of an accepted submission on request
   * — the `openRound` update — checked by the same step; the round waits beside the journey (no
   * expiry) and the participant is told. A round left open by the previous run is followed again.
   */
  allowRounds<N extends SubmissionName>(
    name: N,
    step: (environment: Environment) => { handler: SubmissionHandler<N>; options?: SubmissionOptions },
  ): void {
    this.assertDeclared('submissions', name);
    const follow = (instance: SubmissionInstance) => void this.waitClosed(instance).catch(() => undefined);
    this.checks.allowRounds(name, async (environment, round) => {
      const { handler, options } = step(environment);
      const instance = this.openSubmission({ name, environment, round, timers: { expireAfterMs: null } }, handler, options);
      follow(instance);
      await notifyOpened(this, instance);
      return instance;
    });
    for (const open of this.status.instances) {
      if (open.type === 'submission' && open.name === name && open.status === 'open' && open.round > 1) {
        const { handler } = step(open.environment);
        this.checks.register(name, handler, false);
        follow(open);
      }
    }
  }

  /**
   * Opens a submission instance. `replaceable`: once accepted, the participant may send a full
   * replacement at any time later (the same `submit` update and check); the instance stays
   * accepted and its artifact becomes the latest accepted one — no new onboarding, no new round.
   */
  openSubmission<N extends SubmissionName>(
    spec: WaitSpec<N>,
    handler: SubmissionHandler<N>,
    options: SubmissionOptions = {},
  ): SubmissionInstance<N> {
    this.assertDeclared('submissions', spec.name);
    this.checks.register(spec.name, handler, options.replaceable === true);
    const instance = this.openInstance<SubmissionInstance>(
      spec,
      (base) =>
        ({
          ...base,
          type: 'submission',
          name: spec.name,
          role: 'participant',
          attempts: [],
          artifact: null,
          ...(options.provide ? { provided: options.provide(base.id) } : {}),
        }) as SubmissionInstance,
      () => "waiting for the participant's submission",
    );
    // The instance of `spec.name`: its artifact is that submission's.
    return instance as SubmissionInstance<N>;
  }

  /**
   * Runs a hub task (an activity or several) for the environment once: recorded as running, then
   * done with its result or failed with the failure's type; a task found done in the carried state
   * (continue-as-new, a repeated call) is not run again. What a failure means is the policy in
   * frame/tasks.ts. A task run once per gate round passes its `round` (its id then names it).
   */
  async task<T extends TaskName>(
    name: T,
    environment: Environment,
    run: () => Promise<TaskResults[T]>,
    round?: number,
  ): Promise<TaskRecord<T>> {
    const id = taskId(name, environment, round);
    // The record of `name`: its result is that task's.
    const found = this.status.tasks.find((t) => t.id === id) as TaskRecordOf<T> | undefined;
    if (found?.status === 'done') return found as TaskRecord<T>;
    const record: TaskRecordOf<T> = found ?? {
      id,
      name,
      environment,
      status: 'running',
      ...(round === undefined ? {} : { round }),
      startedAt: nowIso(),
      finishedAt: null,
      result: null,
      error: null,
    };
    if (!found) this.status.tasks.push(record as unknown as TaskRecord);
    record.status = 'running';
    this.transition({ step: name, note: `${id}: started` });
    try {
      record.result = await about(id, run);
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
    return record as TaskRecord<T>;
  }

  /** Waits until the instance is decided, accepted, or the parallel waits around it unwind. */
  async waitClosed<I extends WaitInstance>(instance: I): Promise<I> {
    const wasOpen = instance.status === 'open';
    const result = await waitChasing(this.state, instance);
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

  /**
   * Waits run in parallel (e.g. the production certificate bundle beside the contract), named:
   * resolves with each wait's instance when all ended well, or as soon as one ended otherwise — the
   * others stop waiting and stay open until `finish` withdraws them. A null wait is not run.
   */
  async together<T extends Record<string, Promise<WaitInstance> | null>>(waits: T): Promise<WaitResults<T>> {
    const names = Object.keys(waits) as (keyof T)[];
    try {
      const instances = await Promise.all(
        names.map(
          (name) =>
            waits[name]?.then((instance) => {
              if (!succeeded(instance)) this.state.stopWaiting = true;
              return instance;
            }) ?? null,
        ),
      );
      return Object.fromEntries(names.map((name, i) => [name, instances[i]])) as WaitResults<T>;
    } finally {
      this.state.stopWaiting = false;
    }
  }

  /**
   * Runs a kind's journey. An operator's cancellation (POST /onboardings/:id/cancel) ends it as
   * `cancelled`: open waits are withdrawn and the UI shows the end, then the cancellation goes on.
   * A hub task that failed with no ops gate ends it as `failed` (frame/tasks.ts).
   */
  async run(journey: () => Promise<OnboardingStatus>): Promise<OnboardingStatus> {
    // A run continued as new, or one halted since its access opened, converges the edge from the start.
    this.access.start();
    try {
      return await journey();
    } catch (err) {
      if (err instanceof HubTaskFailure) return this.finish('failed', err.message);
      if (!isCancellation(err)) throw err;
      this.state.withdrawOpen();
      // What the onboarding granted is taken back before it ends (the cancellation cannot interrupt it).
      await CancellationScope.nonCancellable(async () => {
        for (const cleanup of this.cleanups) {
          await cleanup.undo();
          this.transition({ note: `cancelled: ${cleanup.what}` });
        }
        await this.access.close();
      });
      // Who and why, as the API noted them just before it asked Temporal to cancel; a cancellation sent
      // straight to Temporal (the UI's button, the CLI) has no such note and is audited as unverified.
      const noted = [...this.status.interventions].reverse().find((i) => i.action === 'cancel-requested');
      if (noted === undefined) {
        this.state.intervene({
          at: nowIso(),
          action: 'cancel-requested',
          by: '(unknown)',
          via: 'temporal',
          reason: 'cancellation requested through Temporal, not the API',
        });
      }
      this.transition({
        state: 'cancelled',
        note: noted ? `cancelled by ${noted.by}: ${noted.reason}` : 'cancelled through Temporal, not the API (who is not verified)',
      });
      throw err;
    }
  }

  /** Registers what a cancellation must undo (once per `what`: a step re-run after continue-as-new registers again). */
  onCancel(what: string, undo: () => Promise<unknown>): void {
    if (!this.cleanups.some((c) => c.what === what)) this.cleanups.push({ what, undo });
  }

  /** Ends the journey: open waits are withdrawn, in-flight handlers finish first. */
  async finish(state: 'completed' | 'rejected' | 'expired' | 'failed', note: string): Promise<OnboardingStatus> {
    await this.settle();
    await this.access.close();
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

  /**
   * Opens the environment's access at the edge (`reason`: what earned it) and waits until the edge
   * admits the participant, or may not (halted meanwhile). See frame/access.ts.
   */
  openAccess(environment: Environment, reason: string): Promise<void> {
    return this.access.open(environment, reason);
  }

  instance(key: InstanceKey): WaitInstance | undefined {
    return this.state.instance(key);
  }

  /** In-flight handlers and notices finish, then what is still open is withdrawn. */
  private async settle(): Promise<void> {
    await condition(allHandlersFinished);
    await this.noticesSent();
    this.state.withdrawOpen();
  }

  private readonly notices = new Set<Promise<void>>();

  /** A notice that goes out beside the journey (an opened wait's mail): the journey does not end or continue as new before it is sent. */
  beside(notice: Promise<void>): void {
    const tracked = notice.finally(() => this.notices.delete(tracked));
    this.notices.add(tracked);
  }

  private async noticesSent(): Promise<void> {
    while (this.notices.size > 0) await Promise.allSettled([...this.notices]);
  }

  /** The instance for (name, environment, round): the one in the state, or a new open one. */
  private openInstance<I extends WaitInstance>(
    spec: WaitSpec<I['name']>,
    build: (
      base: Pick<WaitInstance, 'environment' | 'round' | 'id' | 'openedAt' | 'deadlineAt' | 'closedAt' | 'chase'> & { status: 'open' },
    ) => I,
    waiting: (instance: I) => string,
  ): I {
    const key: InstanceKey = { name: spec.name, environment: spec.environment ?? this.status.environment, round: spec.round ?? 1 };
    const existing = this.state.instance(key);
    if (existing !== undefined) return existing as I;
    const openedAt = nowIso();
    const instance = build({
      environment: key.environment,
      round: key.round,
      id: instanceId(key),
      status: 'open',
      openedAt,
      deadlineAt: null,
      closedAt: null,
      chase: {
        timers: { ...timersFor(this.status.policy, spec.name), ...spec.timers },
        since: openedAt,
        reminders: 0,
        escalated: false,
        events: [],
      },
    });
    this.status.instances.push(instance);
    this.transition({ step: spec.name, note: `${instance.id}: ${waiting(instance)}` });
    return instance;
  }

  /** A journey opens only the gates and submissions its kind declares (`journeys` in the vocabulary). */
  private assertDeclared(what: 'gates' | 'submissions', name: string): void {
    if (!(this.declaration[what] as readonly string[]).includes(name)) {
      throw refuse('STATE_CORRUPT', `${this.status.kind} onboardings declare no ${what === 'gates' ? 'gate' : 'submission'} ${name}`);
    }
  }
}
