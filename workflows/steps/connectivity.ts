import { activitiesFor } from '../frame/summaries';
import type { NetworkActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import { acceptedArtifact } from '../frame/reads';
import type { SubmissionHandler, SubmissionVerdict } from '../frame/submission-types';
import type { Environment, FindingSummary, SubmissionInstance } from '../messages';
import { awaitSubmission, notableFindings } from '../frame/waits';

const network = activitiesFor<NetworkActivities>({
  // Each origin gets its own connect timeout (OUTBOUND_TIMEOUT_MS); a DFSP has a handful of origins.
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 3 },
});

/**
 * The hub calls the participant's callback origins over mTLS with its client certificate (the
 * hub-client-certificate step) and checks the server presents the certificate registered in the
 * server-certificate step. The participant asks for the proof when its servers are ready and may
 * ask again as often as needed; a failure names the cause per origin.
 */
async function proveConnectivity(
  journey: Journey,
  environment: Environment,
  requestId: string | undefined,
): Promise<SubmissionVerdict<'connectivity'>> {
  const server = acceptedArtifact(journey.status, 'server-certificate', environment) ?? {};
  const endpoints = acceptedArtifact(journey.status, 'endpoints', environment);
  const report = await network.proveConnectivity({
    participantId: journey.status.participantId,
    environment,
    urls: (endpoints?.endpoints ?? []).map((e) => e.value),
    server: { leafSha256: server.leaf?.sha256 ?? '', chainPem: server.chainPem ?? '', rootPem: server.rootPem ?? null },
    ...(requestId ? { requestId } : {}),
  });
  const findings: FindingSummary[] = notableFindings(report);
  if (!report.blocking) {
    // The egress sends the switch's callbacks to exactly what was proved, trusting the same chain.
    await network.recordCallbackRoutes({
      participantId: journey.status.participantId,
      environment,
      endpoints: endpoints?.endpoints ?? [],
      server: { chainPem: server.chainPem ?? '', rootPem: server.rootPem ?? null },
    });
  }
  const targets = report.targets.map(({ origin, connectedTo, protocol, httpStatus, elapsedMs, presented }) => ({
    origin,
    connectedTo,
    protocol,
    httpStatus,
    elapsedMs,
    serverSha256: presented?.sha256 ?? null,
  }));
  return { accepted: !report.blocking, findings, report: report, artifact: { targets } };
}

export function connectivityHandler(journey: Journey): SubmissionHandler<'connectivity'> {
  return (input, instance) => proveConnectivity(journey, instance.environment, input.requestId);
}

/**
 * After a rejected UAT round: the participant says what it fixed and asks for a retest; the hub
 * proves connectivity again (its servers may have changed) and, when that passes, UAT reopens.
 */
export function uatRetestHandler(journey: Journey): SubmissionHandler<'uat-retest'> {
  return async (input, instance) => {
    const payload = input.payload as { summary?: unknown };
    const summary = typeof payload.summary === 'string' ? payload.summary.trim() : '';
    if (summary === '') {
      return {
        accepted: false,
        findings: [{ code: 'RETEST_SUMMARY', result: 'fail', message: 'say what was fixed since the rejected UAT round' }],
        report: {},
      };
    }
    const { artifact, ...verdict } = await proveConnectivity(journey, instance.environment, input.requestId);
    return verdict.accepted ? { ...verdict, artifact: { summary, ...(artifact ?? {}) } } : verdict;
  };
}

/** "The hub proves it can reach the participant" — after the TLS material and the endpoints are in. */
export function awaitConnectivity(journey: Journey, environment: Environment): Promise<SubmissionInstance<'connectivity'>> {
  return awaitSubmission(journey, { name: 'connectivity', environment }, connectivityHandler(journey));
}

/** "The participant fixed what UAT found and asks for a retest" (round n follows UAT round n's rejection). */
export function awaitUatRetest(journey: Journey, environment: Environment, round: number): Promise<SubmissionInstance<'uat-retest'>> {
  return awaitSubmission(journey, { name: 'uat-retest', environment, round }, uatRetestHandler(journey));
}
