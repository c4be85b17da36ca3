import { uuid4 } from '@temporalio/workflow';
import { activitiesFor } from '../frame/summaries';
import type { CredentialActivities, KeyActivities, NetworkActivities, PkiActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import type { SubmissionHandler } from '../frame/submission-types';
import type { Environment, SubmissionInstance } from '../messages';
import type { RenewalStep } from './renewal';
import { attemptWriteKey, awaitSubmission, notableFindings } from '../frame/waits';
import { reapplyAllowlist } from './ip-allowlist';

const options = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
} as const;
const pki = activitiesFor<PkiActivities>(options);
const credentials = activitiesFor<CredentialActivities>(options);
const keys = activitiesFor<KeyActivities>(options);
const network = activitiesFor<NetworkActivities>(options);

/**
 * The technical evaluation of an API client's certificate bundle: the PKI rules, the CSR it came
 * from when sent, and the proof that the client holds the key — a signature over the instance's
 * `provided.challenge`. Accepted: the normalised chain and the leaf's identity are the artifact.
 */
export function clientCertificateEvaluation(journey: Journey): SubmissionHandler<'certificate-bundle'> {
  return async (input, instance) => {
    const s = journey.status;
    const payload = input.payload as { pem?: unknown; csrPem?: unknown; challengeSignature?: unknown };
    const report = await pki.evaluateClientCertificate({
      pem: typeof payload.pem === 'string' ? payload.pem : '',
      ...(typeof payload.csrPem === 'string' ? { csrPem: payload.csrPem } : {}),
      ...(typeof payload.challengeSignature === 'string' ? { challengeSignature: payload.challengeSignature } : {}),
      challenge: typeof instance.provided?.challenge === 'string' ? instance.provided.challenge : '',
      kind: s.kind,
      environment: instance.environment,
      participant: { participantId: s.participantId, legalName: s.participant.legalName, country: s.participant.country, hosts: [] },
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
    const findings = notableFindings(report);
    if (report.blocking || report.leaf === null || report.normalised === null) return { accepted: false, findings, report };
    // The accepted certificate is the client's identity at the edge: pinned exactly, never its CA.
    const writeKey = attemptWriteKey(instance);
    await keys.recordClientCertificate({
      participantId: s.participantId,
      environment: instance.environment,
      chainPem: report.normalised.chainPem,
      writeKey,
    });
    journey.onCancel(`own client certificates in ${instance.environment} retired`, () =>
      keys.revokeClientCertificates({ participantId: s.participantId, environment: instance.environment }),
    );
    // Where the access is open already (a renewal while live), the gateway takes the new certificate beside the old.
    await reapplyAllowlist(journey, instance.environment, `${writeKey}/gateway`);
    return {
      accepted: true,
      findings,
      report,
      artifact: { leaf: report.leaf, chainPem: report.normalised.chainPem, rootPem: report.normalised.rootPem },
    };
  };
}

/** The challenge of one instance: unique (a deterministic uuid4) and naming what it is for, with how to sign it. */
export function keyChallenge(journey: Journey): (instanceId: string) => Record<string, unknown> {
  return (id) => ({
    challenge: `${journey.status.participantId}:${id}:${uuid4()}`,
    sign: 'printf %s "$challenge" | openssl dgst -sha256 -sign key.pem | base64 -w0',
  });
}

/** "The client sends its certificate bundle and proves it holds the key" (also its renewal, with a challenge of its own). */
export function clientCertificateEvaluationStep(journey: Journey): RenewalStep<'certificate-bundle'> {
  return { handler: clientCertificateEvaluation(journey), options: { provide: keyChallenge(journey) } };
}

export function awaitClientCertificateEvaluation(
  journey: Journey,
  environment: Environment,
): Promise<SubmissionInstance<'certificate-bundle'>> {
  const step = clientCertificateEvaluationStep(journey);
  return awaitSubmission(journey, { name: 'certificate-bundle', environment }, step.handler, step.options);
}

/** The client's redirect URIs (exact https, mandatory) and callback URLs (optional), replaceable with one call. */
export function awaitRedirectUrls(journey: Journey, environment: Environment): Promise<SubmissionInstance<'redirect-urls'>> {
  return awaitSubmission(
    journey,
    { name: 'redirect-urls', environment },
    async (input, instance) => {
      const payload = input.payload as { redirectUris?: unknown; callbackUrls?: unknown };
      const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
      const report = await network.checkRedirectUrls({
        participantId: journey.status.participantId,
        environment: instance.environment,
        redirectUris: list(payload.redirectUris),
        callbackUrls: list(payload.callbackUrls),
        ...(input.requestId ? { requestId: input.requestId } : {}),
      });
      if (report.blocking) return { accepted: false, findings: notableFindings(report), report };
      // The authorization server takes exactly these for the client's authorization-code flow (with PKCE).
      await credentials.registerRedirectUris({
        participantId: journey.status.participantId,
        environment: instance.environment,
        redirectUris: report.redirectUris,
        writeKey: attemptWriteKey(instance),
      });
      return {
        accepted: true,
        findings: notableFindings(report),
        report,
        artifact: { redirectUris: report.redirectUris, callbackUrls: report.callbackUrls },
      };
    },
    { replaceable: true },
  );
}
