import { activitiesFor } from '../frame/summaries';
import type { LedgerActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import type { DfspRegistration, Environment, GateInstance, TaskRecord } from '../messages';
import { awaitGate } from '../frame/waits';

/** Limit calls hang while central-ledger's Kafka is down: each try is bounded, retries back off to a minute. */
const ledger = activitiesFor<LedgerActivities>({
  startToCloseTimeout: '2 minutes',
  // The activity heartbeats while it runs: a worker that died is noticed in seconds, and the idempotent set-up retried.
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 12,
    nonRetryableErrorTypes: ['LEDGER_REFUSED'],
  },
});

/** central-ledger's notification e-mail endpoint types, from the registration. */
function notificationEndpoints(registration: DfspRegistration) {
  const e = registration.notificationEmails;
  return [
    { type: 'NET_DEBIT_CAP_ADJUSTMENT_EMAIL', value: e.netDebitCapAdjustment },
    { type: 'SETTLEMENT_TRANSFER_POSITION_CHANGE_EMAIL', value: e.settlementPositionChange },
    { type: 'NET_DEBIT_CAP_THRESHOLD_BREACH_EMAIL', value: e.netDebitCapThresholdBreach },
  ];
}

/**
 * "Set the DFSP up in the hub backend" (seed 004): participant and currencies, every callback
 * endpoint and notification e-mail, Net Debit Cap with initial position 0 — through the HubLedger
 * port. When no ledger API is configured (manual) or the ledger refused, ops do it by hand from the
 * recorded settings and confirm at the `ledger-setup` gate; the journey goes on when they approve.
 */
export async function setUpHubLedger(
  journey: Journey,
  environment: Environment,
  registration: DfspRegistration,
  callbacks: { type: string; value: string }[],
): Promise<{ task: TaskRecord; gate: GateInstance | null }> {
  const request = {
    fspId: journey.status.participantId,
    environment,
    currencies: registration.currencies.map(({ currency, netDebitCap }) => ({ currency, netDebitCap })),
    endpoints: [...callbacks, ...notificationEndpoints(registration)],
  };
  const task = await journey.task('hub-ledger', environment, async () => ({ ...(await ledger.setUpHubLedger(request)) }));
  // Cancelled once the ledger has it (set up, or being set up by hand): the ledger stops letting it transact.
  journey.onCancel(`${request.fspId} deactivated in the ${environment} ledger`, () =>
    ledger.deactivateLedgerParticipant({ fspId: request.fspId, environment }),
  );
  if (task.status === 'done' && task.result?.mode === 'applied') return { task, gate: null };
  if (task.status === 'failed' && task.result === null) task.result = { mode: 'manual', settings: request };
  return { task, gate: await awaitGate(journey, { name: 'ledger-setup', environment }) };
}
