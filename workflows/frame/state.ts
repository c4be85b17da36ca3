/**
 * The journey state and its single transition: one typed state object per onboarding, changed
 * only through `transition`, which pushes search attributes and current details with it so the
 * `status` query and the Temporal UI never disagree. Also the pure reads of that state every other
 * part of the frame shares (open instances, approvers, the waiting state).
 */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { log, setCurrentDetails, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { refuse } from '../errors';
import type { OnboardingInput } from '../inputs';
import { defaultGatePolicy } from '../policy';
import type { AwaitedInput, GateInstance, Intervention, OnboardingStatus, WaitInstance } from '../state';
import { type Environment, instanceId, type InstanceKey, type JourneyDeclaration, type LifecycleState, type StepName } from '../vocabulary';
import { renderCurrentDetails } from './current-details';
import { onboardingSearchAttributes } from './search-attributes';
import { statusMemoEntries } from './status-memo';

export interface TransitionChange {
  step?: StepName;
  environment?: Environment;
  state?: LifecycleState;
  note: string;
}

/** Date.now() is deterministic inside the workflow sandbox (it is the workflow task's time). */
export function nowIso(): string {
  return new Date(Date.now()).toISOString();
}

export const openOnes = (instances: WaitInstance[]) => instances.filter((i) => i.status === 'open');

export const describeOpen = (s: OnboardingStatus) => s.awaiting.map((a) => a.instanceId);

/** The distinct principals who approved this round so far. */
export function approversOf(gate: GateInstance): string[] {
  return gate.decisions.filter((d) => d.decision === 'approved').map((d) => d.decidedBy);
}

/** A wait that ended the way the journey goes on: a gate approved, a submission accepted. */
export function succeeded(instance: WaitInstance): boolean {
  return instance.status === 'approved' || instance.status === 'accepted';
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
    policy: input.policy ?? defaultGatePolicy,
    halt: null,
    interventions: [],
    access: [],
  };
}

/**
 * The entries (key, value, JSON) whose JSON differs from what this run wrote last under their key,
 * recorded as written: what an upsert of search attributes or memo entries needs to carry.
 */
function unwritten<T>(written: Map<string, string>, entries: [string, T, string][]): [string, T][] {
  const changed = entries.filter(([key, , json]) => written.get(key) !== json);
  for (const [key, , json] of changed) written.set(key, json);
  return changed.map(([key, value]) => [key, value]);
}

export class JourneyState {
  readonly status: OnboardingStatus;
  /** Set while parallel waits unwind because one of them ended unsuccessfully (see `Journey.together`). */
  stopWaiting = false;
  /** The search attribute values this run pushed last, by key (JSON): an unchanged one is not pushed again. */
  private readonly pushed = new Map<string, string>();
  /** The memo entries (the API's read model, frame/status-memo.ts) this run wrote last, as JSON by key. */
  private readonly memoWritten = new Map<string, string>();

  constructor(
    readonly input: OnboardingInput,
    readonly declaration: JourneyDeclaration,
  ) {
    this.status = input.resume ?? freshStatus(input);
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
      if (i.type === 'gate' && i.required > 1) awaited.approvals = { have: approversOf(i), need: i.required };
      if (i.type === 'gate' && i.run) awaited.run = i.run;
      if (i.type === 'submission') {
        const last = i.attempts[i.attempts.length - 1];
        if (last !== undefined && !last.accepted)
          awaited.lastRefusal = { at: last.at, attempt: i.attempts.length, findings: last.findings };
      }
      return awaited;
    });
    s.state = change.state ?? s.halt?.state ?? (s.liveSince !== undefined ? 'live' : this.waitingState());
    s.updatedAt = at;
    s.history.push({ at, step: s.step, environment: s.environment, state: s.state, note: change.note });
    this.pushSearchAttributes(onboardingSearchAttributes(s));
    this.writeStatusMemo();
    setCurrentDetails(renderCurrentDetails(s));
    log.info('onboarding transition', { step: s.step, environment: s.environment, state: s.state, awaiting: describeOpen(s) });
  }

  /** Records an operator's or the clock's intervention for the audit (the caller transitions). */
  intervene(intervention: Intervention): void {
    this.status.interventions.push(intervention);
  }

  instance(key: InstanceKey): WaitInstance | undefined {
    const id = instanceId(key);
    return this.status.instances.find((i) => i.id === id);
  }

  /** The open instances of `name` (in `environment` when given). */
  openInstances<T extends WaitInstance['type']>(
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
  theOpenInstance<T extends WaitInstance['type']>(
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

  /** Open waits are withdrawn (the journey ended on another path, or was cancelled). */
  withdrawOpen(): void {
    for (const open of openOnes(this.status.instances)) {
      open.status = 'withdrawn';
      open.closedAt = nowIso();
    }
  }

  /**
   * Only the attributes whose value changed since this run last pushed them: most transitions
   * (a submission accepted among parallel waits, a reminder) change none, and an unchanged upsert
   * would still be an event in the history and a visibility write on the server.
   */
  private pushSearchAttributes(pairs: SearchAttributeUpdatePair[]): void {
    const changed = unwritten(
      this.pushed,
      pairs.map((pair) => [pair.key.name, pair, JSON.stringify(pair.value)]),
    );
    if (changed.length > 0) upsertSearchAttributes(changed.map(([, pair]) => pair));
  }

  /**
   * The status into the memo, the entries that changed only (a run continued as new writes all of
   * them at its first transition). Transitions are the only way state changes, so the memo holds
   * what the status query answers as of each completed workflow task.
   */
  private writeStatusMemo(): void {
    const changed = unwritten(
      this.memoWritten,
      [...statusMemoEntries(this.status)].map(([key, { value, json }]) => [key, value, json]),
    );
    if (changed.length > 0) upsertMemo(Object.fromEntries(changed));
  }

  private waitingState(): LifecycleState {
    const open = this.status.awaiting;
    if (open.length === 0) return 'in-progress';
    return open.every((a) => a.role === 'participant') ? 'awaiting-participant' : 'awaiting-approval';
  }
}
