import type { Client } from '@temporalio/client';
import { statusMemoEntries } from '../../workflows/frame/status-memo';
import { onboardingWorkflowId, statusFromMemo, statusQuery, type OnboardingStatus } from '../../workflows/messages';

/** A status's memo as Temporal hands it back (every entry's value through JSON), with other memo keys beside it. */
export function memoOfStatus(status: OnboardingStatus, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...extra,
    ...Object.fromEntries([...statusMemoEntries(status)].map(([key, { json }]) => [key, JSON.parse(json) as unknown])),
  };
}

/**
 * An onboarding's status as its read model holds it (the memo, what the API's status read answers)
 * and as the workflow answers the status query: the two must be the same.
 */
export async function readModelAndQuery(
  client: Client,
  participantId: string,
): Promise<{ memo: OnboardingStatus | null; query: OnboardingStatus }> {
  const handle = client.workflow.getHandle(onboardingWorkflowId(participantId));
  // Between two equal query answers the state stood still: the memo read between them must match.
  for (let attempt = 0; attempt < 20; attempt++) {
    const before = await handle.query(statusQuery);
    const memo = statusFromMemo((await handle.describe()).memo);
    const after = await handle.query(statusQuery);
    if (JSON.stringify(before) === JSON.stringify(after)) return { memo, query: after };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${participantId} never stood still long enough to compare its read model with its query`);
}
