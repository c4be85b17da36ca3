import { uuid4 } from '@temporalio/workflow';
import { activitiesFor } from '../frame/summaries';
import type { KeyActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import type { SubmissionHandler } from '../frame/submission-types';
import type { Environment, FindingSummary, SubmissionInstance } from '../messages';
import { attemptWriteKey, awaitSubmission, notableFindings } from '../frame/waits';
import { notifyRotation } from '../frame/notify';
import { defaultJwsKeyOverlapMs } from '../policy';

const keys = activitiesFor<KeyActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/** The challenge of one jws-key instance: unique (a deterministic uuid4) and naming what it is for. */
function challengeFor(journey: Journey, instanceId: string): Record<string, unknown> {
  return { challenge: `${journey.status.participantId}:${instanceId}:${uuid4()}`, alg: ['RS256', 'ES256'] };
}

/**
 * The participant's JWS key: checked (RS256 RSA >= 2048 or ES256 P-256, valid, not another
 * participant's) and proven — the challenge JWS must verify with it. Accepted, it becomes the
 * participant's live key in the hub's JWS key directory (`GET /jws-keys`).
 */
export function jwsKeyHandler(journey: Journey): SubmissionHandler<'jws-key'> {
  return async (input, instance) => {
    const payload = input.payload as { keyPem?: unknown; challengeJws?: unknown };
    const challenge = typeof instance.provided?.challenge === 'string' ? instance.provided.challenge : '';
    const participantId = journey.status.participantId;
    const report = await keys.checkJwsKey({
      participantId,
      environment: instance.environment,
      keyPem: typeof payload.keyPem === 'string' ? payload.keyPem : '',
      challenge,
      challengeJws: typeof payload.challengeJws === 'string' ? payload.challengeJws : '',
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
    const findings: FindingSummary[] = notableFindings(report);
    if (report.blocking || report.key === null) return { accepted: false, findings, report: report };
    // A rotation (a later round): the keys it replaces stay live for the scheme's overlap, so nothing signed with them is refused meanwhile.
    const overlapMs = instance.round > 1 ? (journey.status.policy.jwsKeyOverlapMs ?? defaultJwsKeyOverlapMs) : 0;
    const record = await keys.recordJwsKey({
      participantId,
      environment: instance.environment,
      kid: report.key.kid,
      spkiSha256: report.key.spkiSha256,
      publicKeyPem: report.key.publicKeyPem,
      notAfter: report.key.notAfter,
      writeKey: attemptWriteKey(instance),
      ...(overlapMs > 0 ? { overlapMs } : {}),
    });
    const artifact = {
      kid: record.kid,
      alg: report.key.alg,
      spkiSha256: record.spkiSha256,
      notAfter: record.notAfter,
      acceptedAt: record.acceptedAt,
      ...(overlapMs > 0 ? { previousValidUntil: new Date(Date.parse(record.acceptedAt) + overlapMs).toISOString() } : {}),
    };
    if (instance.round > 1) {
      await notifyRotation(
        journey,
        instance,
        `${participantId}'s JWS key in ${instance.environment} is now ${record.kid}; the previous key stays valid until ${artifact.previousValidUntil ?? 'now'}. Peers: download your connection pack again (its jws-keys/${participantId}.pem changed).`,
      );
    }
    return { accepted: true, findings, report: { ...report, directory: artifact }, artifact };
  };
}

/**
 * "The participant shares its JWS public key and proves it holds the private one." A cancellation
 * retires the key. Once accepted, the participant rotates it through a new round on request
 * (`openRound`): a fresh challenge, the same checks, both keys live for the policy's overlap.
 */
export async function awaitJwsKey(journey: Journey, environment: Environment): Promise<SubmissionInstance<'jws-key'>> {
  const step = () => ({ handler: jwsKeyHandler(journey), options: { provide: (id: string) => challengeFor(journey, id) } });
  journey.allowRounds('jws-key', step);
  const { handler, options } = step();
  const instance = await awaitSubmission(journey, { name: 'jws-key', environment }, handler, options);
  if (instance.status === 'accepted') {
    journey.onCancel(`JWS key in ${environment} retired`, () =>
      keys.revokeJwsKey({ participantId: journey.status.participantId, environment }),
    );
  }
  return instance;
}
