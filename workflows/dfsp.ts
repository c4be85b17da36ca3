import { Journey } from './frame/journey';
import { awaitGateInRounds, awaitSubmission, endedBy, firstUnsuccessful, succeeded } from './frame/waits';
import { environments, journeys } from './messages';
import type { DfspOnboardingInput, OnboardingStatus } from './messages';
import { certificateBundleCheck } from './steps/certificate-bundle';
import { awaitClientCertificate, clientCertificateRenewal } from './steps/client-csr';
import { awaitConnectivity, awaitUatRetest } from './steps/connectivity';
import { awaitEndpoints } from './steps/endpoints';
import { awaitHubClientCertificate, hubClientCertificateRenewal } from './steps/hub-client-certificate';
import { setUpHubLedger } from './steps/hub-ledger';
import { awaitAllowlist } from './steps/ip-allowlist';
import { awaitJwsKey } from './steps/jws-key';
import { liveWithRenewals, Renewals } from './steps/renewal';
import { awaitOauthClient } from './steps/oauth-client';
import { runUat } from './steps/uat-run';

/** The OAuth scope of a DFSP's gateway client when the registration names none. */
export const defaultDfspScopes = ['fspiop'];

/**
 * A Mojaloop DFSP (seed 004), read top to bottom. Registration (FSP id, currencies with Net Debit
 * Caps, contacts, notification e-mails) is the start input. Then, in sandbox (pre-production) and
 * again in production:
 * 1. In parallel, the DFSP's submissions, each answered at once with findings:
 *    TLS client CSR → hub-signed client certificate; its server certificate chain; the hub's own
 *    client CSR returned signed by the DFSP's CA (installed for the hub's calls); its JWS key with
 *    proof of possession; its callback URLs (checked against the server certificate); its IP
 *    allowlist (applied to the gateway); its OAuth client.
 * 2. Connectivity proof: the hub calls the DFSP's callback origins over mTLS (asked for by the
 *    DFSP when its servers are up, repeated until it passes).
 * 3. The hub sets the DFSP up in the environment's ledger (or ops do and confirm).
 * 4. Sandbox: the edge admits the DFSP's sandbox traffic; the hub runs the scheme's UAT collection
 *    through the Testing Toolkit against the DFSP's endpoints (its counts shown with the gate); then
 *    UAT sign-off by ops; a rejection sends the DFSP back to fix and ask for a retest (connectivity
 *    proved again), then UAT runs and reopens in the next round. Then the scheme
 *    contract (legal) before production.
 *    Production: go-live by ops (two distinct approvers by default), only then does the edge admit
 *    production traffic, and the DFSP is `live`: the hub renews
 *    each certificate before it expires (a new round of the same submission) while the DFSP stays live.
 */
export async function dfspOnboarding(input: DfspOnboardingInput): Promise<OnboardingStatus> {
  const journey = new Journey(input, journeys.dfsp);
  const registration = input.registration;
  const scopes = registration.scopes ?? defaultDfspScopes;
  const serverCertificateCheck = certificateBundleCheck<'server-certificate'>(
    journey,
    'tls-server',
    (env) => registration.callbackHosts[env],
  );
  // Live: the certificates the hub issued (client) and accepted (server chain, the hub's own client certificate) are renewed before they expire.
  const renewals: Renewals = {
    'client-csr': () => clientCertificateRenewal(journey),
    'server-certificate': () => ({ handler: serverCertificateCheck }),
    'hub-client-certificate': (environment) => hubClientCertificateRenewal(journey, environment),
  };
  return journey.run(async () => {
    for (const environment of environments) {
      journey.enter(environment);
      if (environment === 'production') {
        // A rejected contract: the DFSP sends the new version, legal reviews it as the next round.
        const contract = await awaitGateInRounds(journey, { name: 'contract', environment });
        if (!succeeded(contract)) return endedBy(journey, contract);
      }

      const submissions = await journey.together({
        clientCertificate: awaitClientCertificate(journey, environment),
        serverCertificate: awaitSubmission(journey, { name: 'server-certificate', environment }, serverCertificateCheck),
        jwsKey: awaitJwsKey(journey, environment),
        endpoints: awaitEndpoints(journey, environment),
        allowlist: awaitAllowlist(journey, environment),
        oauthClient: awaitOauthClient(journey, environment, scopes),
        hubClientCertificate: awaitHubClientCertificate(journey, environment),
      });
      const failed = firstUnsuccessful(Object.values(submissions));
      if (failed) return endedBy(journey, failed);

      const connectivity = await awaitConnectivity(journey, environment);
      if (!succeeded(connectivity)) return endedBy(journey, connectivity);

      const callbacks = submissions.endpoints.artifact?.endpoints ?? [];
      const ledger = await setUpHubLedger(journey, environment, registration, callbacks);
      if (ledger.gate && !succeeded(ledger.gate)) return endedBy(journey, ledger.gate);

      if (environment === 'sandbox') {
        // Sandbox traffic from here: every access step of the environment is accepted and the ledger knows the DFSP.
        await journey.openAccess(environment, 'client-csr, jws-key, ip-allowlist, oauth-client and hub-ledger done in sandbox');
        // UAT in rounds: before each opens the hub runs the scheme's collection against the DFSP (evidence
        // for ops, shown with the gate); a rejection sends the DFSP back to fix and ask for a retest.
        const uat = await awaitGateInRounds(
          journey,
          { name: 'uat-signoff', environment },
          (rejected) => awaitUatRetest(journey, environment, rejected.round),
          async (round) => ({ run: await runUat(journey, environment, round, registration) }),
        );
        if (!succeeded(uat)) return endedBy(journey, uat);
      } else {
        const goLive = await awaitGateInRounds(journey, { name: 'go-live', environment });
        if (!succeeded(goLive)) return endedBy(journey, goLive);
        // Production traffic only now: the production artifacts existed before, access did not.
        await journey.openAccess(environment, `${goLive.id} approved`);
      }
    }
    return liveWithRenewals(journey, 'DFSP live in production', renewals);
  });
}
