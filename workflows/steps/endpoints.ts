import { activitiesFor } from '../frame/summaries';
import type { NetworkActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import type { SubmissionHandler } from '../frame/submission-types';
import type { Environment, FindingSummary, SubmissionInstance } from '../messages';
import { acceptedArtifact } from '../frame/reads';
import { awaitSubmission, notableFindings } from '../frame/waits';

const network = activitiesFor<NetworkActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/** The SANs of the accepted server certificate in the environment, or null when none is accepted yet. */
function serverCertificateHosts(journey: Journey, environment: Environment): string[] | null {
  const leaf = acceptedArtifact(journey.status, 'server-certificate', environment)?.leaf;
  return leaf ? [...(leaf.sanDns ?? []), ...(leaf.sanIps ?? [])] : null;
}

/** The DFSP's callback URLs, checked as the hub's outbound targets; the artifact is what the ledger registers. */
export function endpointsHandler(journey: Journey): SubmissionHandler<'endpoints'> {
  return async (input, instance) => {
    const payload = input.payload as { callbacks?: unknown };
    const callbacks =
      typeof payload.callbacks === 'object' && payload.callbacks !== null ? (payload.callbacks as Record<string, string>) : {};
    const report = await network.checkCallbackEndpoints({
      participantId: journey.status.participantId,
      environment: instance.environment,
      callbacks,
      serverCertificateHosts: serverCertificateHosts(journey, instance.environment),
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
    const findings: FindingSummary[] = notableFindings(report);
    return {
      accepted: !report.blocking,
      findings,
      report: report,
      artifact: { endpoints: report.endpoints, hosts: report.hosts },
    };
  };
}

/** "The DFSP gives its callback URLs"; replaceable with a full new set until the ledger is set up from them. */
export function awaitEndpoints(journey: Journey, environment: Environment): Promise<SubmissionInstance<'endpoints'>> {
  return awaitSubmission(journey, { name: 'endpoints', environment }, endpointsHandler(journey), { replaceable: true });
}
