import { proxyActivities } from '@temporalio/workflow';
import type { NetworkActivities } from '../../activities';
import type { Journey, SubmissionHandler } from '../journey';
import type { Environment, FindingSummary, SubmissionInstance } from '../messages';
import { awaitSubmission, notableFindings } from './submissions';

const network = proxyActivities<NetworkActivities>({
  // Each origin gets its own connect timeout (OUTBOUND_TIMEOUT_MS); a DFSP has a handful of origins.
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 3 },
});

function accepted(journey: Journey, name: 'server-certificate' | 'endpoints', environment: Environment): Record<string, unknown> {
  const found = journey.status.instances.find(
    (i) => i.type === 'submission' && i.name === name && i.environment === environment && i.status === 'accepted',
  );
  return (found?.type === 'submission' ? found.artifact : null) ?? {};
}

/**
 * The hub calls the participant's callback origins over mTLS with its client certificate (the
 * hub-client-certificate step) and checks the server presents the certificate registered in the
 * server-certificate step. The participant asks for the proof when its servers are ready and may
 * ask again as often as needed; a failure names the cause per origin.
 */
export function connectivityHandler(journey: Journey): SubmissionHandler {
  return async (input, instance) => {
    const server = accepted(journey, 'server-certificate', instance.environment);
    const endpoints = accepted(journey, 'endpoints', instance.environment);
    const leaf = server.leaf as { sha256?: string } | undefined;
    const report = await network.proveConnectivity({
      participantId: journey.status.participantId,
      environment: instance.environment,
      urls: ((endpoints.endpoints ?? []) as { value: string }[]).map((e) => e.value),
      server: {
        leafSha256: leaf?.sha256 ?? '',
        chainPem: typeof server.chainPem === 'string' ? server.chainPem : '',
        rootPem: typeof server.rootPem === 'string' ? server.rootPem : null,
      },
      ...(input.requestId ? { requestId: input.requestId } : {}),
    });
    const findings: FindingSummary[] = notableFindings(report);
    const targets = report.targets.map(({ origin, connectedTo, protocol, httpStatus, elapsedMs, presented }) => ({
      origin,
      connectedTo,
      protocol,
      httpStatus,
      elapsedMs,
      serverSha256: presented?.sha256 ?? null,
    }));
    return { accepted: !report.blocking, findings, report: report as unknown as Record<string, unknown>, artifact: { targets } };
  };
}

/**
 * After a rejected UAT round: the participant says what it fixed and asks for a retest; the hub
 * proves connectivity again (its servers may have changed) and, when that passes, UAT reopens.
 */
export function uatRetestHandler(journey: Journey): SubmissionHandler {
  const prove = connectivityHandler(journey);
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
    const verdict = await prove(input, instance);
    return verdict.accepted ? { ...verdict, artifact: { summary, ...(verdict.artifact ?? {}) } } : verdict;
  };
}

/** "The hub proves it can reach the participant" — after the TLS material and the endpoints are in. */
export function awaitConnectivity(journey: Journey, environment: Environment): Promise<SubmissionInstance> {
  return awaitSubmission(journey, { name: 'connectivity', environment }, connectivityHandler(journey));
}

/** "The participant fixed what UAT found and asks for a retest" (round n follows UAT round n's rejection). */
export function awaitUatRetest(journey: Journey, environment: Environment, round: number): Promise<SubmissionInstance> {
  return awaitSubmission(journey, { name: 'uat-retest', environment, round }, uatRetestHandler(journey));
}
