import { Journey } from './frame/journey';
import { awaitGateInRounds, endedBy, firstUnsuccessful, succeeded } from './frame/waits';
import { environments, journeys } from './messages';
import type { BankOnboardingInput, OnboardingStatus } from './messages';
import { awaitJwtTrust } from './steps/jwt-trust';
import { awaitIdentifiers, setUpCounterparty } from './steps/processing-center';
import { liveWithRenewals } from './steps/renewal';
import { awaitTechnicalUsers } from './steps/technical-users';

/**
 * A bank counterparty of a digital-currency processing centre (seed 001), read top to bottom.
 * Registration (alias, asset code, first employee, authorization URLs) is the start input. Then
 * stage (sandbox) and again production:
 * 1. In parallel: JWT trust — the bank gets the hub's public key, deploys its authorization
 *    service and the hub checks it live with a signed JWT (or security records the check) — and the
 *    key keeper's two technical users with their secrets, shown once.
 * 2. The hub sets the counterparty up in the processing centre (asset code, system URLs, first
 *    employee, identification and processing entities).
 * 3. The bank's operator requests its identifiers; they are registered.
 * 4. Stage: ops confirm the integration test scenario on its evidence (a rejection: the bank says
 *    what it fixed and the scenario is confirmed again). Production: go-live by two distinct
 *    approvers, then `live`.
 */
export async function bankOnboarding(input: BankOnboardingInput): Promise<OnboardingStatus> {
  const journey = new Journey(input, journeys.bank);
  return journey.run(async () => {
    for (const environment of environments) {
      journey.enter(environment);
      const access = await journey.together({
        jwtTrust: awaitJwtTrust(journey, environment, input.registration.authorizationUrls[environment]),
        technicalUsers: awaitTechnicalUsers(journey, environment),
      });
      const failed = firstUnsuccessful(Object.values(access));
      if (failed) return endedBy(journey, failed);

      // A processing centre that refused the counterparty ends the onboarding `failed` (frame/tasks.ts).
      const { counterpartyId } = await setUpCounterparty(journey, environment, input);
      const identifiers = await awaitIdentifiers(journey, environment, counterpartyId);
      if (!succeeded(identifiers)) return endedBy(journey, identifiers);

      const gate = await awaitGateInRounds(journey, { name: environment === 'sandbox' ? 'integration-test' : 'go-live', environment });
      if (!succeeded(gate)) return endedBy(journey, gate);
    }
    return liveWithRenewals(journey, 'bank live in production', {});
  });
}
