/** The keys capability's activities: thin glue from its ports to the workflows, through the one error edge. */
import { log } from '@temporalio/activity';
import type { Environment } from '../../workflows/vocabulary';
import { logCheck, throughEdge } from '../activity-edge';
import { scanPem, toPem } from '../pki/pem';
import { parseCertificate } from '../pki/x509-model';
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

    /** A client certificate of the participant's own, accepted: the gateway pins exactly it (the leaf of the accepted chain). */
    async recordClientCertificate(input: {
      participantId: string;
      environment: Environment;
      chainPem: string;
      writeKey: string;
    }): Promise<{ sha256: string; notAfter: string | null }> {
      const leaf = scanPem(input.chainPem).blocks[0];
      if (leaf === undefined) throw new TypeError('the accepted chain holds no certificate');
      const view = parseCertificate(leaf.der);
      const recorded = await deps.keys.recordClientCertificate(
        {
          participantId: input.participantId,
          environment: input.environment,
          certificatePem: toPem('CERTIFICATE', leaf.der),
          sha256: view.sha256,
          notAfter: view.notAfter.toISOString(),
          writeKey: input.writeKey,
        },
        new Date(),
      );
      log.info('participant client certificate recorded', {
        participantId: input.participantId,
        environment: input.environment,
        sha256: recorded.sha256,
      });
      return recorded;
    },

    async revokeClientCertificates(input: { participantId: string; environment: Environment }): Promise<number> {
      return deps.keys.revokeClientCertificates(input.participantId, input.environment, new Date());
    },

    async revokeJwsKey(input: { participantId: string; environment: Environment }): Promise<number> {
      return deps.keys.revokeJwsKey(input.participantId, input.environment, new Date());
    },
  });
}

export type KeyActivities = ReturnType<typeof createKeyActivities>;
