/**
 * Finding onboardings through Temporal visibility: the search attributes the workflows push on
 * every transition, queried with the visibility query language, paged with its page token. The
 * filter values are validated by the route's schema (enums, the participant id pattern) before
 * they reach a query; they are quoted all the same.
 */
import type { Client } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { temporal } from '@temporalio/proto';
import {
  AwaitingRoleKey,
  CertificateStateKey,
  EnvironmentKey,
  OnboardingKindKey,
  OnboardingStateKey,
  OnboardingStepKey,
  OpenWaitsKey,
  ParticipantIdKey,
  RefusedSubmissionsKey,
  WaitingSinceKey,
  gateRoles,
} from '../workflows/messages';

export interface OnboardingFilter {
  kind?: string;
  state?: string;
  step?: string;
  awaitingRole?: string;
  /** An open wait, `name@environment`. */
  openWait?: string;
  /** An open submission refused last, `name@environment`. */
  refusedSubmission?: string;
  environment?: string;
  participantId?: string;
  /** Live onboardings whose certificates are all valid, one due for renewal, or one expired unrenewed. */
  certificateState?: string;
  /** Only onboardings whose oldest open wait is older than this many ms. */
  waitingLongerThanMs?: number;
}

export interface OnboardingSummary {
  participantId: string;
  workflowId: string;
  /** Temporal's view: RUNNING, COMPLETED, FAILED, TERMINATED, … */
  execution: string;
  kind: string | null;
  environment: string | null;
  step: string | null;
  state: string | null;
  awaitingRoles: string[];
  /** Every open wait, `name@environment`. */
  openWaits: string[];
  /** Open submissions whose latest attempt was refused, `name@environment`. */
  refusedSubmissions: string[];
  waitingSince: string | null;
  /** After go-live: the worst state of its certificates (`valid`, `renewal-due`, `expired`). */
  certificateState: string | null;
  startedAt: string | null;
}

export interface OnboardingPage {
  onboardings: OnboardingSummary[];
  /** Pass back as `pageToken` for the next page; null on the last. */
  nextPageToken: string | null;
}

const quote = (value: string) => `"${value.replace(/["\\]/g, '')}"`;

/** The visibility query for a filter (pure; `now` for the waiting threshold). */
export function visibilityQuery(filter: OnboardingFilter, now: Date): string {
  const clauses = ['WorkflowId STARTS_WITH "onboarding-"'];
  const exact: [string, string | undefined][] = [
    ['OnboardingKind', filter.kind],
    ['OnboardingState', filter.state],
    ['OnboardingStep', filter.step],
    ['AwaitingRole', filter.awaitingRole],
    ['OpenWaits', filter.openWait],
    ['RefusedSubmissions', filter.refusedSubmission],
    ['Environment', filter.environment],
    ['ParticipantId', filter.participantId],
    ['CertificateState', filter.certificateState],
  ];
  for (const [attribute, value] of exact) if (value !== undefined) clauses.push(`${attribute} = ${quote(value)}`);
  if (filter.waitingLongerThanMs !== undefined) {
    clauses.push(`WaitingSince < ${quote(new Date(now.getTime() - filter.waitingLongerThanMs).toISOString())}`);
  }
  return clauses.join(' AND ');
}

const WorkflowExecutionStatus = temporal.api.enums.v1.WorkflowExecutionStatus;

type RawExecution = NonNullable<Awaited<ReturnType<Client['workflowService']['listWorkflowExecutions']>>['executions']>[number];

function summarise(raw: RawExecution): OnboardingSummary {
  const attributes = decodeTypedSearchAttributes(raw.searchAttributes?.indexedFields);
  const workflowId = raw.execution?.workflowId ?? '';
  const started = raw.startTime?.seconds;
  return {
    participantId: attributes.get(ParticipantIdKey) ?? workflowId.replace(/^onboarding-/, ''),
    workflowId,
    execution: (WorkflowExecutionStatus[raw.status ?? 0] ?? 'WORKFLOW_EXECUTION_STATUS_UNSPECIFIED').replace(
      'WORKFLOW_EXECUTION_STATUS_',
      '',
    ),
    kind: attributes.get(OnboardingKindKey) ?? null,
    environment: attributes.get(EnvironmentKey) ?? null,
    step: attributes.get(OnboardingStepKey) ?? null,
    state: attributes.get(OnboardingStateKey) ?? null,
    awaitingRoles: attributes.get(AwaitingRoleKey) ?? [],
    openWaits: attributes.get(OpenWaitsKey) ?? [],
    refusedSubmissions: attributes.get(RefusedSubmissionsKey) ?? [],
    waitingSince: attributes.get(WaitingSinceKey)?.toISOString() ?? null,
    certificateState: attributes.get(CertificateStateKey) ?? null,
    startedAt: started === undefined || started === null ? null : new Date(Number(started) * 1000).toISOString(),
  };
}

export async function searchOnboardings(
  client: Client,
  filter: OnboardingFilter,
  page: { pageSize: number; pageToken?: string },
  now = new Date(),
): Promise<OnboardingPage> {
  const response = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query: visibilityQuery(filter, now),
    pageSize: page.pageSize,
    ...(page.pageToken ? { nextPageToken: Buffer.from(page.pageToken, 'base64url') } : {}),
  });
  const token = response.nextPageToken;
  return {
    onboardings: (response.executions ?? []).map(summarise),
    nextPageToken: token && token.length > 0 ? Buffer.from(token).toString('base64url') : null,
  };
}

export interface StuckGroup {
  /** The open wait, `name@environment`. */
  wait: string;
  /** Who answers it: the gate's role, or `participant`. */
  awaitingRole: string;
  count: number;
  /** How many of them had their latest submission for this wait refused. */
  refused: number;
  oldestWaitingSince: string;
  participantIds: string[];
}

/** Who answers a wait known as `name@environment`. */
function roleOf(wait: string): string {
  const name = wait.slice(0, wait.lastIndexOf('@'));
  return (gateRoles as Record<string, string | undefined>)[name] ?? 'participant';
}

/**
 * Running onboardings waiting longer than `olderThan`, grouped by open wait (`client-csr@sandbox`;
 * an onboarding with parallel waits counts in each), the longest wait first. The age is the
 * onboarding's oldest open wait (`WaitingSince`): visibility has no per-wait time. Reads at most `limit`.
 */
export async function stuckOnboardings(
  client: Client,
  olderThanMs: number,
  limit = 1000,
  now = new Date(),
): Promise<{ groups: StuckGroup[]; scanned: number; truncated: boolean }> {
  const found: OnboardingSummary[] = [];
  let pageToken: string | undefined;
  do {
    const page = await searchOnboardings(
      client,
      { waitingLongerThanMs: olderThanMs },
      { pageSize: 200, ...(pageToken ? { pageToken } : {}) },
      now,
    );
    found.push(...page.onboardings.filter((o) => o.execution === 'RUNNING'));
    pageToken = page.nextPageToken ?? undefined;
  } while (pageToken !== undefined && found.length < limit);
  const groups = new Map<string, StuckGroup>();
  for (const o of found.slice(0, limit)) {
    for (const wait of o.openWaits) {
      const group = groups.get(wait) ?? {
        wait,
        awaitingRole: roleOf(wait),
        count: 0,
        refused: 0,
        oldestWaitingSince: o.waitingSince ?? '',
        participantIds: [],
      };
      group.count += 1;
      if (o.refusedSubmissions.includes(wait)) group.refused += 1;
      group.participantIds.push(o.participantId);
      if (o.waitingSince !== null && (group.oldestWaitingSince === '' || o.waitingSince < group.oldestWaitingSince))
        group.oldestWaitingSince = o.waitingSince;
      groups.set(wait, group);
    }
  }
  return {
    groups: [...groups.values()].sort((a, b) => a.oldestWaitingSince.localeCompare(b.oldestWaitingSince)),
    scanned: Math.min(found.length, limit),
    truncated: pageToken !== undefined,
  };
}
