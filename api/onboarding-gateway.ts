import { randomUUID } from 'node:crypto';
import { proveRequest } from '../activities/identity/request-proof';
import { decodeOptionalSinglePayload } from '@temporalio/common/lib/internal-non-workflow';
import {
  Client,
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  type WorkflowExecutionDescription,
  WorkflowHandle,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure, UpdateDefinition } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  decideGate,
  noteCancellation,
  gateRoles,
  journeys,
  GateDecisionInput,
  GateInstance,
  OnboardingInput,
  OnboardingProgress,
  OnboardingStatus,
  onboardingWorkflowId,
  openRound,
  progressOf,
  resumeOnboarding,
  StartOutcome,
  startedUpdate,
  RoundRequestInput,
  SubmissionInstance,
  statusFromMemo,
  statusQuery,
  submit,
  suspendOnboarding,
  SubmissionInput,
  SubmissionOutcome,
  workflowTypeByKind,
} from '../workflows/messages';
import { startSearchAttributes } from '../workflows/messages';
import { ApiError, toProblem } from './errors';
import { defaultGatePolicyConfig, GatePolicyConfig, policyFor } from './gate-policy';
import { OnboardingFilter, OnboardingPage, searchOnboardings, StuckGroup, stuckOnboardings } from './onboarding-search';
import { fingerprintRequest } from './fingerprint';
import type { StartOnboardingBody } from './schemas/onboardings';

export interface OnboardingView {
  workflowId: string;
  /** Null when the workflow exists but did not answer its status query in time (no worker polling yet). */
  onboarding: OnboardingStatus | null;
}

const kindNames = { dfsp: 'Mojaloop DFSP', tpp: 'open-banking TPP', bank: 'bank counterparty' } as const;

/** The workflow's one-line summary in the UI. */
export function startSummary(kind: OnboardingInput['kind'], participantId: string): string {
  return `${kindNames[kind]} onboarding of ${participantId}: sandbox, then production`;
}

/** The workflow's fixed details in the UI (Markdown): the journey's gates with their teams and the participant's submissions. */
export function startDetails(kind: OnboardingInput['kind'], participantId: string): string {
  const journey = journeys[kind];
  return [
    `**${participantId}** · ${kindNames[kind]} · sandbox, then production`,
    '',
    `Gates: ${journey.gates.map((g) => `\`${g}\` (${gateRoles[g]})`).join(', ')}`,
    '',
    `Participant submissions: ${journey.submissions.map((n) => `\`${n}\``).join(', ')}`,
    '',
    `What it waits for now: Current Details; the full status: \`GET /onboardings/${participantId}\`; the participant: \`npm run kit -- next\`.`,
  ].join('\n');
}

/** Another start for a participant that has an onboarding with other details: the same key reused, or a conflict. */
function conflict(existing: WorkflowExecutionDescription, participantId: string, idempotencyKey?: string): never {
  if (idempotencyKey !== undefined && existing.memo?.idempotencyKey === idempotencyKey) {
    throw new ApiError(
      'IDEMPOTENCY_KEY_REUSED',
      `Idempotency-Key ${idempotencyKey} started this onboarding with other details; use a new key for a new request`,
    );
  }
  throw new ApiError(
    'ONBOARDING_CONFLICT',
    `Participant ${participantId} already has an onboarding (${existing.status.name.toLowerCase()}) started with other details`,
    { workflowId: onboardingWorkflowId(participantId) },
  );
}

/** A start's answer: whether this request created the onboarding, and its first progress (null: no worker answered in time). */
export interface StartAnswer {
  created: boolean;
  workflowId: string;
  progress: OnboardingProgress | null;
}

/** A decision's answer from the update itself; `progress` null from a worker that predates it. */
export interface DecisionAnswer {
  decision: GateInstance;
  progress: OnboardingProgress | null;
}

/** Every call to Temporal has a deadline: a caller never waits on a server or worker that is gone. */
export interface GatewayTimeouts {
  /** Starts, queries, describes, listings. */
  callMs: number;
  /** Updates (decisions, submissions run a check activity); also the deadline the workflow enforces. */
  updateMs: number;
}

export const defaultGatewayTimeouts: GatewayTimeouts = { callMs: 5_000, updateMs: 15_000 };

/** What the routes need from the workflow side; tests without Temporal pass a fake. */
export interface OnboardingPort {
  /** `idempotencyKey`: a retried start answers like the first; the same key with other details is refused. */
  start(body: StartOnboardingBody, requestId?: string, idempotencyKey?: string): Promise<StartAnswer>;
  status(participantId: string): Promise<OnboardingView>;
  /** `decision.decidedBy` is the authenticated principal, set by the route. */
  decide(participantId: string, decision: GateDecisionInput, idempotencyKey?: string): Promise<DecisionAnswer>;
  submit(participantId: string, submission: SubmissionInput, idempotencyKey?: string): Promise<SubmissionOutcome>;
  ping(timeoutMs: number): Promise<void>;
  /** Opens the next round of an accepted submission on request (a JWS key rotation); answers with the new instance. */
  openRound(participantId: string, request: RoundRequestInput, idempotencyKey?: string): Promise<SubmissionInstance>;
  /**
   * Asks the onboarding to stop (Temporal cancellation); `by` and `reason` are recorded. With an
   * `idempotencyKey`, a retry of the same request (same principal and reason) after the onboarding
   * closed answers like the first instead of ONBOARDING_CLOSED.
   */
  cancel(participantId: string, by: string, reason: string, idempotencyKey?: string): Promise<void>;
  /** Suspends (timers stand still, nothing is taken) or resumes an onboarding; `by` and `reason` are recorded. */
  halt(participantId: string, action: 'suspend' | 'resume', by: string, reason: string, idempotencyKey?: string): Promise<OnboardingStatus>;
  search(filter: OnboardingFilter, page: { pageSize: number; pageToken?: string }): Promise<OnboardingPage>;
  stuck(olderThanMs: number): Promise<{ groups: StuckGroup[]; scanned: number; truncated: boolean }>;
}

/**
 * Temporal answers a repeated update id with the first outcome, whatever the second body said: the
 * outcome names the request it answers, and another request under the same key is refused.
 */
function assertSameRequest(answered: string | null | undefined, asked: string, idempotencyKey: string | undefined): void {
  if (idempotencyKey !== undefined && typeof answered === 'string' && answered !== asked) {
    throw new ApiError(
      'IDEMPOTENCY_KEY_REUSED',
      `Idempotency-Key ${idempotencyKey} was used for another request; use a new key for a new request`,
    );
  }
}

/**
 * What an update id starts with: the verb and the wait it answers (`decide:go-live@production`,
 * `submit:client-csr`), so the UI's list of updates reads as what happened. The round is the
 * workflow's to choose, so it is not in the id. A key reused for another wait is another update.
 */
export function updateLabel(verb: string, name: string, environment?: string): string {
  return `${verb}:${name}${environment ? `@${environment}` : ''}`;
}

/** The API's only way into Temporal: start, read and decide onboardings. */
export class OnboardingGateway implements OnboardingPort {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly timeouts: GatewayTimeouts = defaultGatewayTimeouts,
    private readonly gatePolicy: GatePolicyConfig = defaultGatePolicyConfig,
    /**
     * The key the API proves its requests with (activities/identity/request-proof.ts); the worker
     * checks each proof. With a key, onboardings it starts refuse what did not come through here.
     * Null only for tests that drive workflows without proofs.
     */
    private readonly proofKey: Buffer | null = null,
  ) {}

  private within<T>(ms: number, call: () => Promise<T>): Promise<T> {
    return this.client.connection.withDeadline(Date.now() + ms, call);
  }

  /**
   * Idempotent per participant: same request → the existing onboarding; other details → conflict.
   * One round trip: update-with-start — the `started` update rides with the start and answers with
   * the first progress once the journey opened its first waits (no status query after it).
   */
  async start(body: StartOnboardingBody, requestId?: string, idempotencyKey?: string): Promise<StartAnswer> {
    const workflowId = onboardingWorkflowId(body.participantId);
    const requestFingerprint = fingerprintRequest(body);
    // The start's own id: a retried start (another request) is told apart from the one that created it.
    const startRequestId = requestId ?? randomUUID();
    const input: OnboardingInput = {
      ...body,
      requestFingerprint,
      policy: policyFor(this.gatePolicy, body.kind),
      requestId: startRequestId,
      ...(this.proofKey ? { requestProofs: true as const } : {}),
    };
    const operation = new WithStartWorkflowOperation(workflowTypeByKind[input.kind], {
      workflowId,
      taskQueue: this.taskQueue,
      args: [input],
      // One onboarding per participant, ever: a finished one is not silently restarted; a running one answers.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      workflowIdConflictPolicy: 'USE_EXISTING',
      memo: { requestFingerprint, ...(idempotencyKey ? { idempotencyKey } : {}) },
      // What the Temporal UI shows for the workflow before anyone opens it: ids and the journey, no personal data.
      staticSummary: startSummary(body.kind, body.participantId),
      staticDetails: startDetails(body.kind, body.participantId),
      typedSearchAttributes: startSearchAttributes({
        kind: body.kind,
        participantId: body.participantId,
        environment: 'sandbox',
        step: 'registration',
        state: 'in-progress',
        awaiting: [],
      }),
    });
    let outcome: StartOutcome;
    try {
      outcome = await this.within(this.timeouts.updateMs, () =>
        this.client.workflow.executeUpdateWithStart(startedUpdate, {
          startWorkflowOperation: operation,
          updateId: `start:${startRequestId}`,
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError)
        return this.closedStart(body.participantId, requestFingerprint, idempotencyKey);
      // The start may have been taken though no worker answered in time: then the onboarding exists, its state is not known yet.
      const existing = await this.describe(workflowId).catch(() => null);
      if (existing?.memo?.requestFingerprint === requestFingerprint) return { created: true, workflowId, progress: null };
      throw err;
    }
    if (outcome.requestFingerprint !== requestFingerprint) conflict(await this.describe(workflowId), body.participantId, idempotencyKey);
    return { created: outcome.startRequestId === startRequestId, workflowId, progress: outcome.progress };
  }

  /** A start for a participant whose onboarding has closed: the same request answers with it, another is a conflict. */
  private async closedStart(participantId: string, requestFingerprint: string, idempotencyKey?: string): Promise<StartAnswer> {
    const workflowId = onboardingWorkflowId(participantId);
    const existing = await this.describe(workflowId);
    if (existing.memo?.requestFingerprint !== requestFingerprint) conflict(existing, participantId, idempotencyKey);
    const status = statusFromMemo(existing.memo) ?? (await this.queryStatus(workflowId).catch(() => null));
    return { created: false, workflowId, progress: status ? progressOf(status) : null };
  }

  private describe(workflowId: string): Promise<WorkflowExecutionDescription> {
    return this.within(this.timeouts.callMs, () => this.client.workflow.getHandle(workflowId).describe());
  }

  /**
   * The onboarding's status from its read model, the memo the workflow writes at every transition
   * (workflows/frame/status-memo.ts): the Temporal server answers it without a worker, so a read
   * costs the same however many onboardings are open and whether or not a worker is up. An
   * execution whose memo holds no complete status (its first task has not run yet) is asked.
   */
  async status(participantId: string): Promise<OnboardingView> {
    const workflowId = onboardingWorkflowId(participantId);
    const onboarding = statusFromMemo((await this.describe(workflowId)).memo) ?? (await this.firstStatus(workflowId));
    return { workflowId, onboarding };
  }

  /**
   * An onboarding that exists but has written no status yet (its first task has not run) can only be
   * asked; when that fails for any reason but its absence or an unreplayable history, the honest
   * answer is that its state is not known yet (503, retry), not a 500.
   */
  private async firstStatus(workflowId: string): Promise<OnboardingStatus> {
    try {
      return await this.queryStatus(workflowId);
    } catch (err) {
      const { body } = toProblem(err);
      if (body.code === 'ONBOARDING_NOT_FOUND' || body.code === 'ONBOARDING_UNREADABLE' || body.code === 'TEMPORAL_UNAVAILABLE') throw err;
      throw new ApiError(
        'TEMPORAL_UNAVAILABLE',
        `The onboarding has not run its first step yet and its worker did not answer (${(err as Error).name ?? 'error'}); retry later`,
      );
    }
  }

  private queryStatus(workflowId: string): Promise<OnboardingStatus> {
    return this.within(this.timeouts.callMs, () => this.client.workflow.getHandle(workflowId).query(statusQuery));
  }

  /**
   * Passes an approver's decision to the workflow as an Update; the workflow's validator answers
   * at once. The idempotency key becomes the update id, so a retried request is applied once.
   */
  async decide(participantId: string, decision: GateDecisionInput, idempotencyKey?: string): Promise<DecisionAnswer> {
    const outcome = await this.update(
      participantId,
      decideGate,
      decision,
      idempotencyKey,
      updateLabel('decide', decision.gate, decision.environment),
      (answer) => ('progress' in answer ? answer.decision.decision?.requestHash : answer.decision?.requestHash),
    );
    // A worker from before decisions answered with their progress answers the bare instance.
    return 'progress' in outcome ? outcome : { decision: outcome, progress: null };
  }

  /** Passes a participant's submission; the answer carries the check's findings (refusals: SUBMISSION_REFUSED). */
  submit(participantId: string, submission: SubmissionInput, idempotencyKey?: string): Promise<SubmissionOutcome> {
    return this.update(
      participantId,
      submit,
      submission,
      idempotencyKey,
      updateLabel('submit', submission.name, submission.environment),
      (outcome) => outcome.requestHash,
    );
  }

  openRound(participantId: string, request: RoundRequestInput, idempotencyKey?: string): Promise<SubmissionInstance> {
    return this.update(
      participantId,
      openRound,
      request,
      idempotencyKey,
      updateLabel('open-round', request.name, request.environment),
      () => undefined,
    );
  }

  /**
   * Runs an update with the caller's deadline and the request's fingerprint in its argument; the
   * outcome (or the refusal) names the request it answers, so a reused Idempotency-Key with another
   * body is refused whichever way Temporal replays the first outcome.
   */
  private async update<R, A extends { notAfter?: string; requestHash?: string; requestId?: string }>(
    participantId: string,
    definition: UpdateDefinition<R, [A]>,
    arg: A,
    idempotencyKey: string | undefined,
    label: string,
    answeredBy: (outcome: R) => string | null | undefined,
  ): Promise<R> {
    // The request id and the deadline differ between retries of one request: not part of what it asks.
    const requestHash = fingerprintRequest({
      participantId,
      update: definition.name,
      arg: { ...arg, requestId: undefined, notAfter: undefined },
    });
    try {
      const outcome = await this.executeUpdate(participantId, definition, { ...arg, requestHash }, label, idempotencyKey);
      assertSameRequest(answeredBy(outcome), requestHash, idempotencyKey);
      return outcome;
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
        const details = err.cause.details?.[0] as { requestHash?: string | null } | undefined;
        assertSameRequest(details?.requestHash, requestHash, idempotencyKey);
      }
      throw err;
    }
  }

  private async executeUpdate<R, A extends { notAfter?: string }>(
    participantId: string,
    definition: UpdateDefinition<R, [A]>,
    arg: A,
    label: string,
    idempotencyKey?: string,
  ): Promise<R> {
    const handle = this.client.workflow.getHandle(onboardingWorkflowId(participantId));
    // While the workflow runs, Temporal itself answers a repeated update id with the first outcome.
    // Once an update has closed it (a rejection ends the onboarding), a retry of that update, or
    // its twin racing it (which may fail while the workflow is still closing), gets the recorded
    // outcome from the history instead of a 409 or a 503.
    // No describe first (a round trip on every decision): a closed or unknown onboarding shows
    // itself by the update failing, and is told apart then.
    // The caller's deadline travels with the update: if no worker takes it in time, the workflow
    // refuses it when it finally arrives instead of applying a decision nobody waits for.
    const notAfter = new Date(Date.now() + this.timeouts.updateMs).toISOString();
    // The id says what the update is (the UI lists updates by it): `submit:client-csr@sandbox:<key>`.
    const updateId = `${label}:${idempotencyKey ?? randomUUID()}`;
    // The proof that this request passed the API's authentication: over the whole argument, deadline included.
    const sent = { ...arg, notAfter };
    const proven = this.proofKey ? { ...sent, proof: proveRequest(this.proofKey, handle.workflowId, definition.name, sent) } : sent;
    try {
      return await this.within(this.timeouts.updateMs, () => handle.executeUpdate(definition, { args: [proven], updateId }));
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError) throw err;
      // A twin that failed while the workflow was still closing finds the outcome a moment later:
      // a few short looks, within the update's own deadline, before answering 503.
      for (let look = 0; ; look++) {
        const earlier = idempotencyKey === undefined ? null : await this.earlierOutcome<R>(handle, updateId);
        if (earlier !== null) return earlier;
        const now = (await this.within(this.timeouts.callMs, () => handle.describe())).status.name;
        if (now !== 'RUNNING') throw new ApiError('ONBOARDING_CLOSED', `The onboarding is ${now.toLowerCase()}`);
        if (idempotencyKey === undefined || look >= 3 || new Date(notAfter).getTime() - Date.now() < 500) throw err;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  /** The result of an update this key already completed, from the workflow's history; null when there is none. */
  private async earlierOutcome<R>(handle: WorkflowHandle, updateId: string): Promise<R | null> {
    const history = await this.within(this.timeouts.callMs, () => handle.fetchHistory());
    for (const event of history.events ?? []) {
      const completed = event.workflowExecutionUpdateCompletedEventAttributes;
      if (completed?.meta?.updateId !== updateId) continue;
      const success = completed.outcome?.success?.payloads?.[0];
      if (!success) return null; // a failed update: let the normal path answer again
      // Through the codec first: the recorded outcome is encrypted like every payload.
      return (await decodeOptionalSinglePayload<R>(this.client.options.loadedDataConverter, success)) ?? null;
    }
    return null;
  }

  halt(
    participantId: string,
    action: 'suspend' | 'resume',
    by: string,
    reason: string,
    idempotencyKey?: string,
  ): Promise<OnboardingStatus> {
    return this.update(
      participantId,
      action === 'suspend' ? suspendOnboarding : resumeOnboarding,
      { by, reason },
      idempotencyKey,
      action,
      () => undefined,
    );
  }

  async cancel(participantId: string, by: string, reason: string, idempotencyKey?: string): Promise<void> {
    const handle = this.client.workflow.getHandle(onboardingWorkflowId(participantId));
    const description = await this.within(this.timeouts.callMs, () => handle.describe());
    if (description.status.name !== 'RUNNING') {
      if (idempotencyKey !== undefined && (await this.cancelRequestedBy(handle, by, reason))) return;
      throw new ApiError('ONBOARDING_CLOSED', `The onboarding is ${description.status.name.toLowerCase()}`);
    }
    // Who and why, recorded by the onboarding itself (proven) for its audit; then the request to Temporal.
    await this.update(participantId, noteCancellation, { by, reason }, idempotencyKey, 'cancel', () => undefined);
    // Who and why also go into the server's own record of the request (visible in the UI's history).
    await this.within(this.timeouts.callMs, () =>
      this.client.workflowService.requestCancelWorkflowExecution({
        namespace: this.client.options.namespace,
        workflowExecution: { workflowId: handle.workflowId },
        identity: by,
        reason,
        // The server drops a repeated cancel request with the same id.
        requestId: idempotencyKey ?? randomUUID(),
      }),
    );
  }

  /** Whether the history records a cancel request from `by` with this reason (a retried cancel). */
  private async cancelRequestedBy(handle: WorkflowHandle, by: string, reason: string): Promise<boolean> {
    const history = await this.within(this.timeouts.callMs, () => handle.fetchHistory());
    return (history.events ?? []).some((event) => {
      const requested = event.workflowExecutionCancelRequestedEventAttributes;
      return requested?.identity === by && requested.cause === reason;
    });
  }

  search(filter: OnboardingFilter, page: { pageSize: number; pageToken?: string }): Promise<OnboardingPage> {
    return this.within(this.timeouts.callMs, () => searchOnboardings(this.client, filter, page));
  }

  stuck(olderThanMs: number): Promise<{ groups: StuckGroup[]; scanned: number; truncated: boolean }> {
    return this.within(this.timeouts.callMs * 4, () => stuckOnboardings(this.client, olderThanMs));
  }

  /** Readiness: Temporal answers and the namespace exists. */
  /** Readiness: Temporal answers, and a worker has polled the onboarding task queue lately. */
  async ping(timeoutMs: number): Promise<void> {
    const res = await this.within(timeoutMs, () =>
      this.client.workflowService.describeTaskQueue({
        namespace: this.client.options.namespace,
        taskQueue: { name: this.taskQueue },
        taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
      }),
    );
    if ((res.pollers ?? []).length === 0) throw new ApiError('TEMPORAL_UNAVAILABLE', `No worker polls the task queue ${this.taskQueue}`);
  }
}
