import { activitiesFor } from '../frame/summaries';
import type { NetworkActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import type { SubmissionHandler } from '../frame/submission-types';
import type { Environment, FindingSummary, SubmissionInstance } from '../messages';
import { acceptedArtifact } from '../frame/reads';
import { attemptWriteKey, awaitSubmission, notableFindings } from '../frame/waits';

const network = activitiesFor<NetworkActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

/**
 * The participant's IP allowlist: checked (ipaddr.js rules, production refuses non-public ranges),
 * and when it passes, applied to the gateway with the participant's hub-issued client certificate.
 * The write key names the workflow, instance and attempt, so a retried activity applies it once.
 */
export function allowlistCheck(journey: Journey): SubmissionHandler<'ip-allowlist'> {
  return async (input, instance) => {
    const payload = input.payload as { entries?: unknown };
    const entries = Array.isArray(payload.entries) ? payload.entries.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))) : [];
    const participantId = journey.status.participantId;
    const report = await network.checkIpAllowlist({
      participantId,
      environment: instance.environment,
      entries,
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
    const findings: FindingSummary[] = notableFindings(report);
    if (report.blocking) return { accepted: false, findings, report: report };
    const applied = await network.applyIpAllowlist({
      participantId,
      environment: instance.environment,
      entries: report.entries,
      writeKey: attemptWriteKey(instance),
    });
    return {
      accepted: true,
      findings,
      report: { ...report, applied },
      artifact: {
        entries: applied.entries,
        version: applied.version,
        gatewayRevision: applied.revision,
        configSha256: applied.configSha256,
        live: applied.live,
      },
    };
  };
}

/**
 * "The participant sends its IP allowlist": waits until one passes; later the participant may
 * replace it with a full new list at any time (the same submission), without a new onboarding.
 * The list is in force once the journey opens the environment's access (workflows/frame/access.ts),
 * which also closes it on suspension, expiry and cancellation.
 */
export function awaitAllowlist(journey: Journey, environment: Environment): Promise<SubmissionInstance<'ip-allowlist'>> {
  return awaitSubmission(journey, { name: 'ip-allowlist', environment }, allowlistCheck(journey), { replaceable: true });
}

/**
 * Applies the participant's allowlist in force again, so the gateway admits every live client
 * certificate — after a renewal, the new serial beside the old one until it expires. Nothing to do
 * before an allowlist was accepted. Returns the gateway revision applied, or null.
 */
export async function reapplyAllowlist(journey: Journey, environment: Environment, writeKey: string): Promise<number | null> {
  const entries = acceptedArtifact(journey.status, 'ip-allowlist', environment)?.entries;
  if (!Array.isArray(entries)) return null;
  const applied = await network.applyIpAllowlist({
    participantId: journey.status.participantId,
    environment,
    entries,
    writeKey,
  });
  return applied.revision;
}
