import { activitiesFor } from '../frame/summaries';
import type { BankActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import { bankHosts } from '../messages';
import type { BankOnboardingInput, Environment, ProcessingCenterResult, SubmissionInstance } from '../messages';
import { requireDone } from '../frame/tasks';
import { awaitSubmission, notableFindings } from '../frame/waits';

const bank = activitiesFor<BankActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10, nonRetryableErrorTypes: ['PROCESSING_REFUSED'] },
});

/**
 * The hub sets the bank up in the environment's processing centre (seed 001 steps 3, 9, 10): the
 * counterparty with its asset code, its system URLs (the hub's `api-<alias>-<env>` and
 * `backoffice-<alias>-<env>` hosts, the bank's authorization URL), the first employee, the
 * identification and processing entities. Once per environment; each call idempotent.
 */
export async function setUpCounterparty(
  journey: Journey,
  environment: Environment,
  input: BankOnboardingInput,
): Promise<ProcessingCenterResult> {
  const { alias, assetCode, firstEmployeeEmail, authorizationUrls } = input.registration;
  const hosts = bankHosts(alias, environment);
  const task = await journey.task('processing-center', environment, async () => ({
    ...(await bank.setUpCounterparty({
      participantId: input.participantId,
      environment,
      alias,
      legalName: input.participant.legalName,
      assetCode,
      firstEmployeeEmail,
      systemUrls: { api: `https://${hosts.api}`, backoffice: `https://${hosts.backoffice}`, authorization: authorizationUrls[environment] },
    })),
  }));
  return requireDone(task);
}

/**
 * "The bank's system operator requests identifiers" (seed 001 steps 12-13): the whole list,
 * registered to the identification entity; a later list replaces it (PUT semantics). Refused when
 * one is malformed, repeated, or another counterparty's.
 */
export async function awaitIdentifiers(
  journey: Journey,
  environment: Environment,
  counterpartyId: string,
): Promise<SubmissionInstance<'identifiers'>> {
  // Cancelled, the bank's identifiers are withdrawn: held by a counterparty that is gone, they would block other banks.
  journey.onCancel(`identifiers of the ${environment} counterparty withdrawn`, () => bank.withdrawIdentifiers({ counterpartyId }));
  return awaitSubmission(
    journey,
    { name: 'identifiers', environment },
    async (input) => {
      const payload = input.payload as { identifiers?: unknown };
      const identifiers = Array.isArray(payload.identifiers) ? payload.identifiers.map(String) : [];
      const report = await bank.registerIdentifiers({ counterpartyId, identifiers });
      return {
        accepted: !report.blocking,
        findings: notableFindings(report),
        report: report,
        artifact: { identifiers: report.identifiers, counterpartyId },
      };
    },
    { replaceable: true },
  );
}
