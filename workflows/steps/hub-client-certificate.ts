import { activitiesFor } from '../frame/summaries';
import type { PkiActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import type { SubmissionHandler } from '../frame/submission-types';
import { type Environment, type FindingSummary, type SubmissionInstance, taskId } from '../messages';
import type { RenewalStep } from './renewal';
import { taskResult } from '../frame/reads';
import { requireDone } from '../frame/tasks';
import { awaitSubmission, notableFindings } from '../frame/waits';

const pki = activitiesFor<PkiActivities>({
  // Key generation, checks and installation are local and take milliseconds: a dead worker is noticed in 10 s.
  startToCloseTimeout: '10 seconds',
  retry: {
    initialInterval: '1 second',
    maximumInterval: '30 seconds',
    maximumAttempts: 10,
    nonRetryableErrorTypes: ['HUB_CLIENT_KEY_MISSING', 'HUB_CLIENT_KEY_REPLACED'],
  },
});

/** Where the participant takes what it needs to trust the hub's side of the connection. */
const hubTrustLinks = { hubCaChain: '/pki/ca', hubServerCertificate: '/pki/hub-server-certificate' };

/**
 * The certificate the participant's CA issued for the hub's CSR: checked (issued by the
 * participant's CA, certifies the CSR's key, clientAuth, valid) and installed for the hub's
 * outbound calls. The artifact names the installed certificate (serial, fingerprint, issuer).
 */
export function hubClientCertificateHandler(journey: Journey, spkiSha256: string): SubmissionHandler<'hub-client-certificate'> {
  return async (input, instance) => {
    const payload = input.payload as { pem?: unknown };
    const participantId = journey.status.participantId;
    const report = await pki.checkHubClientCertificate({
      participantId,
      environment: instance.environment,
      kind: journey.status.kind,
      pem: typeof payload.pem === 'string' ? payload.pem : '',
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
    const findings: FindingSummary[] = notableFindings(report);
    const { certificate, ...summary } = report;
    if (report.blocking || certificate === null) return { accepted: false, findings, report: summary };
    const installed = await pki.installHubClientCertificate({ participantId, environment: instance.environment, spkiSha256, certificate });
    const artifact = { ...installed.certificate, spkiSha256, installedAt: installed.installedAt };
    return { accepted: true, findings, report: { ...summary, installed: artifact }, artifact };
  };
}

/**
 * TLS, hub → participant (seed 004 asks it of both sides): the hub makes its key pair and CSR
 * (once; the private key stays with the hub, encrypted), hands the CSR out as the instance's
 * `provided.csrPem`, and waits for the participant to return it signed by its CA with that CA's
 * chain. The hub's own server certificate and CA chain are downloadable at the `provided` links.
 * A cancellation retires the key.
 */
export async function awaitHubClientCertificate(
  journey: Journey,
  environment: Environment,
): Promise<SubmissionInstance<'hub-client-certificate'>> {
  const participantId = journey.status.participantId;
  const prepared = await journey.task('hub-client-csr', environment, async () => {
    const key = await pki.prepareHubClientCsr({ participantId, environment });
    return { csrPem: key.csrPem, subject: key.subject, spkiSha256: key.spkiSha256, keyAlgorithm: key.keyAlgorithm };
  });
  // Making a key pair has no outside dependency: a failure here ends the onboarding `failed` for ops (frame/tasks.ts).
  const csr = requireDone(prepared);
  const instance = await awaitSubmission(
    journey,
    { name: 'hub-client-certificate', environment },
    hubClientCertificateHandler(journey, csr.spkiSha256),
    {
      provide: () => ({ ...csr, ...hubTrustLinks }),
    },
  );
  if (instance.status === 'accepted') {
    journey.onCancel(`hub client key towards ${participantId} in ${environment} retired`, () =>
      pki.retireHubClientKey({ participantId, environment }),
    );
  }
  return instance;
}

/**
 * The renewal of the hub's client certificate towards the participant: the participant's CA signs
 * the hub's CSR (the same key, handed out again) anew; checked and installed as at onboarding.
 */
export function hubClientCertificateRenewal(journey: Journey, environment: Environment): RenewalStep<'hub-client-certificate'> {
  const prepared = taskResult(journey.status, 'hub-client-csr', environment);
  if (!prepared) throw new TypeError(`${taskId('hub-client-csr', environment)} has no CSR to renew with`);
  return {
    handler: hubClientCertificateHandler(journey, prepared.spkiSha256),
    options: { provide: () => ({ ...prepared, ...hubTrustLinks }) },
  };
}
