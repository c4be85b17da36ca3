import { Journey } from './frame/journey';
import { awaitGate, awaitGateInRounds, endedBy, firstUnsuccessful, succeeded } from './frame/waits';
import { apisNeedingBankOperations, journeys } from './messages';
import type { OnboardingStatus, TppOnboardingInput } from './messages';
import { awaitClientCertificateEvaluation, awaitRedirectUrls, clientCertificateEvaluationStep } from './steps/client-certificate';
import { awaitClientCertificate, clientCertificateRenewal } from './steps/client-csr';
import { awaitAllowlist } from './steps/ip-allowlist';
import { awaitOauthClient } from './steps/oauth-client';
import { liveWithRenewals } from './steps/renewal';

/**
 * Open-banking third party / API client (seeds 000, 002, 003), read top to bottom.
 * 1. Business reviews the access request (use case, expected volume, APIs wanted).
 * 2. Sandbox: the technical evaluation of its certificate bundle (PKI rules, the CSR it came from,
 *    a signed challenge proving it holds the key); a kickoff call when it asked for one; then its
 *    sandbox OAuth client (scopes = the APIs wanted) beside its redirect and callback URLs.
 * 3. UAT sign-off (ops) and the signed contract (legal), both before production.
 * 4. Production: its certificate (a CSR the hub CA signs, or one from its own CA checked again),
 *    its IP allowlist, a second OAuth client and its production URLs — and, where its APIs need
 *    operations on the bank's side, a bank-coordination gate beside them.
 * 5. Go-live (two distinct approvers); only then does the edge admit production traffic; `live`,
 *    each certificate renewed before it expires. Sandbox traffic is admitted once step 2 is done.
 */
export async function tppOnboarding(input: TppOnboardingInput): Promise<OnboardingStatus> {
  const journey = new Journey(input, journeys.tpp);
  const application = input.application;
  const scopes = application.apis;
  const hubSigned = (application.productionCertificate ?? 'hub-signed') === 'hub-signed';
  const needsBank = application.apis.some((api) => apisNeedingBankOperations.includes(api));
  return journey.run(async () => {
    const review = await awaitGate(journey, { name: 'application-review', environment: 'sandbox' });
    if (!succeeded(review)) return endedBy(journey, review);

    const evaluation = await awaitClientCertificateEvaluation(journey, 'sandbox');
    if (!succeeded(evaluation)) return endedBy(journey, evaluation);
    if (application.kickoffCall === true) {
      const kickoff = await awaitGate(journey, { name: 'kickoff-call', environment: 'sandbox' });
      if (!succeeded(kickoff)) return endedBy(journey, kickoff);
    }
    const sandbox = await journey.together({
      oauthClient: awaitOauthClient(journey, 'sandbox', scopes),
      redirectUrls: awaitRedirectUrls(journey, 'sandbox'),
    });
    const sandboxFailed = firstUnsuccessful(Object.values(sandbox));
    if (sandboxFailed) return endedBy(journey, sandboxFailed);
    await journey.openAccess('sandbox', 'certificate-bundle, oauth-client and redirect-urls accepted in sandbox');

    // UAT and the contract, both before production (the contract is production's: legal signs for live use).
    const signOffs = await journey.together({
      uat: awaitGateInRounds(journey, { name: 'uat-signoff', environment: 'sandbox' }),
      contract: awaitGateInRounds(journey, { name: 'contract', environment: 'production' }),
    });
    const signOffFailed = firstUnsuccessful(Object.values(signOffs));
    if (signOffFailed) return endedBy(journey, signOffFailed);

    journey.enter('production');
    const production = await journey.together({
      certificate: hubSigned ? awaitClientCertificate(journey, 'production') : awaitClientCertificateEvaluation(journey, 'production'),
      allowlist: awaitAllowlist(journey, 'production'),
      oauthClient: awaitOauthClient(journey, 'production', scopes),
      redirectUrls: awaitRedirectUrls(journey, 'production'),
      bankCoordination: needsBank ? awaitGateInRounds(journey, { name: 'bank-coordination', environment: 'production' }) : null,
    });
    const productionFailed = firstUnsuccessful(Object.values(production));
    if (productionFailed) return endedBy(journey, productionFailed);

    const goLive = await awaitGateInRounds(journey, { name: 'go-live', environment: 'production' });
    if (!succeeded(goLive)) return endedBy(journey, goLive);
    // Production traffic only now (the production artifacts existed before; access did not).
    await journey.openAccess('production', `${goLive.id} approved`);
    return liveWithRenewals(journey, 'TPP live in production', {
      'certificate-bundle': () => clientCertificateEvaluationStep(journey),
      'client-csr': () => clientCertificateRenewal(journey),
    });
  });
}
