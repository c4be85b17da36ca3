import { endedBy, firstUnsuccessful, Journey } from './journey';
import { environments, journeys } from './messages';
import type { OnboardingStatus, TppOnboardingInput } from './messages';
import { certificateBundleCheck } from './steps/certificate-bundle';
import { awaitGate, awaitGateInRounds } from './steps/gates';
import { liveWithRenewals } from './steps/renewal';
import { awaitSubmission } from './steps/submissions';

/**
 * Open-banking third party / API client (seeds 000, 002, 003), read top to bottom.
 * 1. Business reviews the access request (use case, expected volume, APIs wanted).
 * 2. Sandbox: the TPP submits its client certificate bundle until it passes the certificate review.
 * 3. Production: the production bundle and the signed contract (legal), in parallel.
 * 4. Ops approve go-live; then `live`, with each certificate renewed before it expires.
 * Next (ROADMAP): credentials per environment, redirect/callback URLs, UAT, production CSR + IP allowlist.
 */
export async function tppOnboarding(input: TppOnboardingInput): Promise<OnboardingStatus> {
  const journey = new Journey(input, journeys.tpp);
  const bundleCheck = certificateBundleCheck(journey, 'tls-client');
  return journey.run(async () => {
    const review = await awaitGate(journey, { name: 'application-review', environment: 'sandbox' });
    if (firstUnsuccessful([review])) return endedBy(journey, review);

    for (const environment of environments) {
      journey.enter(environment);
      const waits = await journey.together([
        awaitSubmission(journey, { name: 'certificate-bundle', environment }, bundleCheck),
        environment === 'production' ? awaitGateInRounds(journey, { name: 'contract', environment }) : null,
      ]);
      const failed = firstUnsuccessful(waits);
      if (failed) return endedBy(journey, failed);
    }

    const goLive = await awaitGateInRounds(journey, { name: 'go-live', environment: 'production' });
    if (firstUnsuccessful([goLive])) return endedBy(journey, goLive);
    // Live: each environment's certificate is renewed (a new bundle, the same review) before it expires.
    return liveWithRenewals(journey, 'onboarding complete: live', { 'certificate-bundle': () => ({ handler: bundleCheck }) });
  });
}

