import type { Duration } from '@temporalio/common';
import { proxyLocalActivities, type RetryPolicy } from '@temporalio/workflow';
import type { PkiActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import type { SubmissionHandler } from '../frame/submission-types';
import type { Environment, FindingSummary, SubmissionInstance } from '../messages';
import { reapplyAllowlist } from './ip-allowlist';
import type { RenewalStep } from './renewal';
import { attemptWriteKey, awaitSubmission, notableFindings } from '../frame/waits';

const pkiOptions: { startToCloseTimeout: Duration; retry: RetryPolicy } = {
  // Checking and signing are local and take milliseconds: a worker that died is noticed in 10 s.
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5, nonRetryableErrorTypes: ['CSR_REJECTED'] },
};
/**
 * Checking and signing run as one local activity: the participant waits on the HTTP request, the
 * work is a few milliseconds of CPU in the worker (the CSR read once), and signing is idempotent per
 * issuance key — so it runs in the workflow task, without a round trip through the server.
 */
const { checkAndSignParticipantCsr } = proxyLocalActivities<PkiActivities>(pkiOptions);

/**
 * TLS, participant → hub: the participant's client CSR is checked with the hub's rules (key, subject,
 * duplicate keys across participants) and, when it passes, signed by the hub CA. The artifact is
 * the certificate with the hub CA chain (public) and its serial and fingerprint; the signing is
 * idempotent per (participant, environment, role, CSR), so a retried activity returns the same
 * certificate and the gateway admits exactly that serial.
 */
export function clientCsrHandler(journey: Journey, hosts: () => string[] = () => []): SubmissionHandler<'client-csr'> {
  return async (input, instance) => {
    const s = journey.status;
    const payload = input.payload as { csrPem?: unknown };
    const request = {
      csrPem: typeof payload.csrPem === 'string' ? payload.csrPem : '',
      participant: { participantId: s.participantId, legalName: s.participant.legalName, country: s.participant.country, hosts: hosts() },
      kind: s.kind,
      environment: instance.environment,
      role: 'tls-client' as const,
    };
    const { report, issued } = await checkAndSignParticipantCsr(request);
    const findings: FindingSummary[] = notableFindings(report);
    if (issued === null) return { accepted: false, findings, report: report };
    const artifact = {
      serialHex: issued.serialHex,
      sha256: issued.sha256,
      subject: issued.subject,
      notBefore: issued.notBefore,
      notAfter: issued.notAfter,
      certificatePem: issued.certificatePem,
      chainPem: issued.chainPem,
    };
    return { accepted: true, findings, report: { ...report, certificate: artifact }, artifact };
  };
}

/** "The participant sends its TLS client CSR and gets the hub-signed certificate." */
export function awaitClientCertificate(journey: Journey, environment: Environment): Promise<SubmissionInstance<'client-csr'>> {
  return awaitSubmission(journey, { name: 'client-csr', environment }, clientCsrHandler(journey));
}

/**
 * The renewal of a live participant's client certificate: a new CSR, the same checks and signing,
 * then the gateway admits the new serial (the allowlist in force applied again) — the old one stays
 * admitted until it expires, so the participant switches over without an outage.
 */
export function clientCertificateRenewal(journey: Journey): RenewalStep<'client-csr'> {
  const sign = clientCsrHandler(journey);
  return {
    handler: async (input, instance) => {
      const writeKey = `${attemptWriteKey(instance)}/gateway`;
      const verdict = await sign(input, instance);
      if (!verdict.accepted || verdict.artifact === undefined) return verdict;
      const gatewayRevision = await reapplyAllowlist(journey, instance.environment, writeKey);
      return { ...verdict, artifact: { ...verdict.artifact, gatewayRevision }, report: { ...verdict.report, gatewayRevision } };
    },
  };
}
