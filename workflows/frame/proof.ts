/**
 * Only requests that came through the API's authentication count: each decision, submission,
 * round request, suspend/resume and cancellation note carries the API's proof, which the worker
 * checks in a local activity (Node's crypto, outside the sandbox; the result is recorded in the
 * history, so replay is deterministic) before the handler records anything. A request without a
 * valid proof — an Update or Signal sent straight to Temporal from the Web UI or the CLI — is
 * refused with REQUEST_NOT_PROVEN and kept in the audit as "via temporal, unverified" under the
 * name it claimed; it never counts toward N-of-M. Onboardings started without `requestProofs`
 * (workflows started directly, in tests) are not checked.
 */
import { proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { IdentityActivities } from '../../activities';
import { refuse } from '../errors';
import { isObject } from './guards';
import { type JourneyState, nowIso } from './state';

const { verifyRequestProof } = proxyLocalActivities<IdentityActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 3, initialInterval: '100 milliseconds' },
});

export const notProvenMessage =
  'This request did not come through the onboarding API (no valid proof of who sent it): decide, submit, suspend, resume and cancel through the API or `npm run ops`, not from the Temporal UI or CLI';

/** The name a request claims, for the audit of a refused one (cut short, never trusted). */
function claimed(input: unknown, field: string): string {
  const value = isObject(input) ? input[field] : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value.slice(0, 200) : '(unnamed)';
}

/** Refuses (and audits) a request the API did not prove; passes for onboardings started without proofs. */
export async function assertProven(state: JourneyState, update: string, input: unknown, claimedBy: string): Promise<void> {
  if (state.input.requestProofs !== true) return;
  const proof = isObject(input) ? input.proof : undefined;
  if (typeof proof === 'string' && (await verifyRequestProof({ workflowId: workflowInfo().workflowId, update, arg: input })).proven) return;
  const by = claimed(input, claimedBy);
  state.intervene({
    at: nowIso(),
    action: 'request-refused',
    by,
    via: 'temporal',
    reason: `${update}: not proven`,
    code: 'REQUEST_NOT_PROVEN',
  });
  state.transition({ note: `${update} claimed by ${by} via temporal, unverified: refused (REQUEST_NOT_PROVEN)` });
  throw refuse('REQUEST_NOT_PROVEN', notProvenMessage, { update });
}
