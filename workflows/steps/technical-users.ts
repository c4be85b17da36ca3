import { activitiesFor } from '../frame/summaries';
import type { BankActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import type { Environment, SubmissionInstance } from '../messages';
import { attemptWriteKey, awaitSubmission } from '../frame/waits';

const bank = activitiesFor<BankActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * "The bank officer gets the key keeper's secrets" (seed 001 steps 6-7): the hub makes the two
 * technical users, `identification` and `processing`, and hands their secrets out once (the API
 * redeems the pickups into the one response that shows them). Asked again, both secrets are
 * replaced. A cancellation revokes them.
 */
export async function awaitTechnicalUsers(journey: Journey, environment: Environment): Promise<SubmissionInstance<'officer-credentials'>> {
  const participantId = journey.status.participantId;
  const instance = await awaitSubmission(
    journey,
    { name: 'officer-credentials', environment },
    async (_input, attempt) => {
      const users = await bank.issueTechnicalUsers({ participantId, environment: attempt.environment, writeKey: attemptWriteKey(attempt) });
      const listed = users.map(({ username, purpose, createdAt, rotatedAt }) => ({ username, purpose, createdAt, rotatedAt }));
      const secretPickups = Object.fromEntries(users.flatMap((u) => (u.secretPickup ? [[u.username, u.secretPickup]] : [])));
      return { accepted: true, findings: [], report: { users: listed }, artifact: { users: listed, secretPickups } };
    },
    { replaceable: true },
  );
  if (instance.status === 'accepted')
    journey.onCancel(`technical users in ${environment} revoked`, () => bank.revokeTechnicalUsers({ participantId, environment }));
  return instance;
}
