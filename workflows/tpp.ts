import { Journey } from './journey';
import type { OnboardingInput, OnboardingStatus } from './messages';
import { awaitApproval } from './steps/gates';

/**
 * Open-banking third party / API client (seeds 000, 002, 003), read top to bottom.
 * Today: the business team reviews the access request (use case, expected volume, APIs wanted).
 * Next (ROADMAP): certificate review, sandbox credentials, redirect/callback URLs, UAT, contract,
 * production CSR + IP allowlist, production credentials, go-live.
 */
export async function tppOnboarding(input: OnboardingInput): Promise<OnboardingStatus> {
  const journey = new Journey(input, 'sandbox');
  journey.transition({ step: 'application-review', state: 'in-progress', note: 'access request received' });

  const review = await awaitApproval(journey, { gate: 'application-review', role: 'business', step: 'application-review' });
  if (review.status === 'rejected') {
    return journey.finish('rejected', `access request rejected: ${review.comment ?? ''}`.trim());
  }
  return journey.finish('completed', 'onboarding complete', 'done');
}
