import { activitiesFor } from '../frame/summaries';
import type { PkiActivities } from '../../activities';
import type { CertificateRole } from '../../activities/pki/policy';
import { notableFindings } from '../frame/waits';
import type { Journey } from '../frame/journey';
import type { SubmissionHandler } from '../frame/submission-types';
import type { Environment, FindingSummary } from '../messages';

const { checkCertificateBundle } = activitiesFor<PkiActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/**
 * The participant's certificate bundle, checked with the PKI rules of its kind and environment
 * (seed 000's certificate review: RSA, 2048 bits, CA-signed, which certificate in the bundle
 * signs). Accepted: the normalised chain and the leaf's identity become the instance's artifact.
 */
export function certificateBundleCheck<N extends 'certificate-bundle' | 'server-certificate'>(
  journey: Journey,
  role: CertificateRole,
  hosts: (environment: Environment) => string[] = () => [],
): SubmissionHandler<N> {
  return async (input, instance) => {
    const s = journey.status;
    const payload = input.payload as { pem?: unknown };
    const report = await checkCertificateBundle({
      pem: typeof payload.pem === 'string' ? payload.pem : '',
      kind: s.kind,
      environment: instance.environment,
      role,
      participant: {
        participantId: s.participantId,
        legalName: s.participant.legalName,
        country: s.participant.country,
        hosts: hosts(instance.environment),
      },
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
    const findings: FindingSummary[] = notableFindings(report);
    return {
      accepted: !report.blocking,
      findings,
      report: report,
      artifact:
        report.leaf && report.normalised
          ? { leaf: report.leaf, chainPem: report.normalised.chainPem, rootPem: report.normalised.rootPem }
          : {},
    };
  };
}
