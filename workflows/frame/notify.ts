import { ActivityFailure, ApplicationFailure, log } from '@temporalio/workflow';
import { about } from './summaries';
import { activitiesFor } from './summaries';
import type { NotifyActivities } from '../../activities';
import type { NotificationEvent, WaitNotification } from '../../activities/notify/notifier';
import type { JourneyState } from './state';
import type { ChaseEvent, GateRun, WaitInstance } from '../state';
import { instanceId, onboardingWorkflowId, openedNotificationKey } from '../vocabulary';

/** What a notification reads and records: the onboarding's state and its transition. */
export type Notifying = Pick<JourneyState, 'status' | 'transition'>;

const { notifyWaitOpened, notifyWait } = activitiesFor<NotifyActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** The DFSP waits its business contact answers; every other participant wait is its technical contact's. */
const businessWaits: ReadonlySet<string> = new Set(['contract-revision', 'go-live-readiness']);

/**
 * The participant's contact for a wait's subject: a DFSP registered a technical and a business
 * contact, so certificates, keys and endpoints go to the technical one, the contract and go-live to
 * the business one; a TPP or a bank has its one contact address.
 */
function participantContact(journey: Notifying, instance: WaitInstance): string {
  const { data, participant } = journey.status;
  if (data.kind === 'dfsp')
    return businessWaits.has(instance.name) ? data.registration.contacts.business.email : data.registration.contacts.technical.email;
  return participant.contactEmail;
}

/** The notification for an instance; the participant's contact address only when it is addressed. */
function aboutInstance(
  journey: Notifying,
  instance: WaitInstance,
  event: NotificationEvent,
  to: WaitNotification['to'],
  idempotencyKey: string,
): WaitNotification {
  const { participantId, kind } = journey.status;
  return {
    idempotencyKey,
    participantId,
    kind,
    environment: instance.environment,
    instanceId: instance.id,
    type: instance.type,
    name: instance.name,
    round: instance.round,
    role: instance.role,
    event,
    to,
    since: instance.chase?.since ?? instance.openedAt,
    ...(to === 'participant' ? { participantEmail: participantContact(journey, instance) } : {}),
    // A gate's notices name what the hub ran for the round (a failed UAT run, in every reminder).
    ...(instance.type === 'gate' && instance.run ? { detail: runDetail(instance.run) } : {}),
  };
}

function runDetail(run: GateRun): string {
  const what =
    run.outcome === 'passed' ? 'passed' : run.outcome === 'failed' ? 'FAILED' : run.outcome === 'error' ? 'could not run' : 'was skipped';
  return `The hub's run ${run.task} ${what}: ${run.summary}${run.runId ? ` (evidence: uat-runs/${run.runId})` : ''}`;
}

/**
 * A notification that cannot be delivered does not block the wait: it stays visible in the UI and
 * can still be answered; the failure is recorded for ops.
 */
async function deliver(journey: Notifying, instance: WaitInstance, what: string, send: () => Promise<unknown>): Promise<void> {
  try {
    await about(`${instance.id}: ${what}`, send);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const type = err.cause instanceof ApplicationFailure ? err.cause.type : null;
    log.warn('wait notification failed', { instanceId: instance.id, role: instance.role, what, type });
    journey.transition({ note: `${instance.id}: ${what} failed (${type ?? 'unknown'})` });
  }
}

/** Tells the awaited role that an instance opened; keyed by the instance, so every round and every environment notifies once. */
export async function notifyOpened(journey: Notifying, instance: WaitInstance): Promise<void> {
  const key = openedNotificationKey(journey.status.participantId, instance);
  await deliver(journey, instance, `notifying ${instance.role}`, () =>
    notifyWaitOpened(aboutInstance(journey, instance, 'opened', instance.role, key)),
  );
}

/** A reminder (to the awaited role), the escalation (to the escalation contact), or the expiry (to both). */
export async function notifyChase(journey: Notifying, instance: WaitInstance, event: ChaseEvent): Promise<void> {
  const base = `${onboardingWorkflowId(journey.status.participantId)}/${instanceId(instance)}/${event.type}${event.n ? `-${event.n}` : ''}@${event.at}`;
  const notices: WaitNotification[] =
    event.type === 'reminder'
      ? [{ ...aboutInstance(journey, instance, 'reminder', instance.role, base), n: event.n ?? 1 }]
      : event.type === 'escalation'
        ? [aboutInstance(journey, instance, 'escalation', 'escalation', base)]
        : [
            aboutInstance(journey, instance, 'expired', instance.role, `${base}/role`),
            aboutInstance(journey, instance, 'expired', 'escalation', `${base}/escalation`),
          ];
  for (const notice of notices) await deliver(journey, instance, `${event.type} to ${notice.to}`, () => notifyWait(notice));
}

/**
 * After go-live: a certificate's renewal opened or its certificate expired unrenewed — told to the
 * participant and to ops, once per renewal and event however often retried.
 */
export async function notifyCertificate(
  journey: Notifying,
  renewal: WaitInstance,
  event: 'renewal-due' | 'certificate-expired',
  detail: string,
): Promise<void> {
  const base = `${onboardingWorkflowId(journey.status.participantId)}/${instanceId(renewal)}/${event}`;
  for (const to of ['participant', 'ops'] as const) {
    const notice = { ...aboutInstance(journey, renewal, event, to, `${base}/${to}`), detail };
    await deliver(journey, renewal, `${event} to ${to}`, () => notifyWait(notice));
  }
}

/**
 * A rotation round was accepted (a JWS key): told to the participant, to ops, and to its peers
 * (the scheme's list), once per round however often retried.
 */
export async function notifyRotation(journey: Notifying, round: WaitInstance, detail: string): Promise<void> {
  const base = `${onboardingWorkflowId(journey.status.participantId)}/${instanceId(round)}/rotated`;
  for (const to of ['participant', 'ops', 'peers'] as const) {
    const notice = { ...aboutInstance(journey, round, 'rotated', to, `${base}/${to}`), detail };
    await deliver(journey, round, `rotation to ${to}`, () => notifyWait(notice));
  }
}
