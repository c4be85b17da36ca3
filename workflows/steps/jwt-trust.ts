import { activitiesFor } from '../frame/summaries';
import type { BankActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import type { SubmissionHandler } from '../frame/submission-types';
import type { Environment, WaitInstance } from '../messages';
import { requireDone } from '../frame/tasks';
import { awaitGateInRounds } from '../frame/waits';
import { attemptWriteKey, awaitSubmission, notableFindings } from '../frame/waits';

const bank = activitiesFor<BankActivities>({
  // One HTTPS call bounded by the outbound timeout; retried on a worker's death, not on the bank's answer.
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/**
 * The bank says its authorization service runs with the hub's public key; the hub checks it live:
 * a JWT signed with the environment's key, presented to the bank's authorization URL over TLS,
 * must be accepted. Refused (the key not installed, the URL unreachable, a TLS problem) the bank
 * fixes and says so again. When the URL is not reachable from the hub at all (a private network),
 * the bank says so and security records the check at the `jwt-trust-check` gate instead.
 */
export function authorizationServiceCheck(journey: Journey, url: string): SubmissionHandler<'authorization-service'> {
  return async (input, instance) => {
    const payload = input.payload as { caPem?: unknown; hubCannotReach?: unknown };
    if (payload.hubCannotReach === true) {
      const findings = [
        {
          code: 'AUTHORIZATION_REACHABLE',
          result: 'warn' as const,
          message: `${url} is not reachable from the hub: security records the JWT check at jwt-trust-check`,
        },
      ];
      return { accepted: true, findings, report: { findings, manual: true }, artifact: { url, manual: true } };
    }
    const report = await bank.checkBankAuthorization({
      participantId: journey.status.participantId,
      environment: instance.environment,
      url,
      caPem: typeof payload.caPem === 'string' ? payload.caPem : null,
      writeKey: attemptWriteKey(instance),
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
    const artifact = { url, manual: false, kid: report.kid, httpStatus: report.httpStatus };
    return {
      accepted: !report.blocking,
      findings: notableFindings(report),
      report: report,
      artifact,
    };
  };
}

/**
 * JWT trust with a bank (seed 001 steps 1-2): the hub's signing key for the environment (made
 * once; the private key never leaves the hub) is handed to the bank as JWK and PEM — in the
 * submission's `provided` and at `GET /onboardings/:id/jwt-key` — then the live check above, or
 * the security gate when the hub cannot reach the service.
 */
export async function awaitJwtTrust(journey: Journey, environment: Environment, url: string): Promise<WaitInstance> {
  const key = await journey.task('hub-jwt-key', environment, async () => ({ ...(await bank.prepareHubJwtKey({ environment })) }));
  // Making a key pair has no outside dependency: a failure here ends the onboarding `failed` for ops (frame/tasks.ts).
  const { kid, jwk, publicKeyPem } = requireDone(key);
  const keyUrl = `/onboardings/${journey.status.participantId}/jwt-key?environment=${environment}`;
  const instance = await awaitSubmission(journey, { name: 'authorization-service', environment }, authorizationServiceCheck(journey, url), {
    provide: () => ({ kid, jwk, publicKeyPem, keyUrl, authorizationUrl: url }),
  });
  if (instance.status !== 'accepted' || instance.artifact?.manual !== true) return instance;
  // A rejected check: the bank says what it fixed, and security checks again (the next round).
  return awaitGateInRounds(journey, { name: 'jwt-trust-check', environment });
}
