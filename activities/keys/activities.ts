/** The keys capability's activities: thin glue from its ports to the workflows, through the one error edge. */
import { log } from '@temporalio/activity';
import type { Environment } from '../../workflows/vocabulary';
import { logCheck, throughEdge } from '../activity-edge';
import { checkJwsKey, JwsKeyReport } from './jws-key-checks';
import type { JwsKeyRecord, ParticipantKeyDirectory, RecordJwsKeyRequest } from './participant-keys';

/** What the keys activities need, and nothing more. */
export interface KeyDeps {
  keys: ParticipantKeyDirectory;
}

export interface CheckJwsKeyInput {
  participantId: string;
  environment: Environment;
  keyPem: string;
  challenge: string;
  challengeJws: string;
  requestId?: string;
}

export function createKeyActivities(deps: KeyDeps) {
  return throughEdge({
    /** The JWS key's checks and the proof of possession over the hub's challenge. */
    async checkJwsKey(input: CheckJwsKeyInput): Promise<JwsKeyReport> {
      const report = await checkJwsKey({
        keyPem: input.keyPem,
        challenge: input.challenge,
        challengeJws: input.challengeJws,
        heldBy: (spki) => deps.keys.jwsKeyHolders(spki, input.participantId),
      });
      logCheck('jws key', input, report.verdict, { kid: report.key?.kid ?? null });
      return report;
    },

    /** The accepted key becomes the participant's live key in the directory (the previous one retires). Idempotent by write key. */
    async recordJwsKey(request: RecordJwsKeyRequest): Promise<JwsKeyRecord> {
      const record = await deps.keys.recordJwsKey(request, new Date());
      log.info('jws key recorded', { participantId: request.participantId, environment: request.environment, kid: record.kid });
      return record;
    },

    async revokeJwsKey(input: { participantId: string; environment: Environment }): Promise<number> {
      return deps.keys.revokeJwsKey(input.participantId, input.environment, new Date());
    },
  });
}

export type KeyActivities = ReturnType<typeof createKeyActivities>;
