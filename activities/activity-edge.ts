/**
 * The one error edge every activity leaves through, and the heartbeat long activities keep: what
 * all capabilities share (activities/<capability>/activities.ts use it; index.ts only composes).
 */
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DomainError } from './domain-error';

/** How often an activity heartbeats while it runs (the SDK sends at most one per 80% of the heartbeat timeout). */
export const heartbeatEveryMs = 1000;

/** The running activity's context when it can heartbeat (a scheduled activity, not a local one), else null. */
function heartbeatContext(): Context | null {
  try {
    const context = Context.current();
    return context.info.isLocal ? null : context;
  } catch {
    return null; // Called outside an activity (a unit test, a script).
  }
}

/**
 * Heartbeats every second while `work` runs, so a worker that dies mid-activity is noticed after
 * the heartbeat timeout (seconds) rather than the start-to-close timeout (minutes). Every activity
 * runs inside it (`throughEdge`); the workflows' activity options carry the heartbeat timeout.
 */
export async function whileHeartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = heartbeatContext();
  if (context === null) return work();
  const timer = setInterval(() => context.heartbeat(), heartbeatEveryMs);
  context.heartbeat();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

export type ActivityFunction = (...args: never[]) => Promise<unknown>;

/**
 * The one error edge (and the heartbeat every activity keeps): domain errors leave an activity as ApplicationFailures whose `type` is the
 * stable code and whose retryability is the code's (workflows/errors.ts), not a list of classes.
 * Every activity of every group goes through it.
 */
export function throughEdge<G extends Record<string, ActivityFunction>>(group: G): G {
  const wrapped: Record<string, ActivityFunction> = {};
  for (const [name, fn] of Object.entries(group)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await whileHeartbeating(() => fn(...args));
      } catch (err) {
        if (err instanceof DomainError) {
          throw ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: !err.retryable, details: [err.details] });
        }
        throw err;
      }
    };
  }
  return wrapped as G;
}

/** The log line of a participant's check: what, whose, the verdict, facts the check adds, and the request it answered. */
export function logCheck(
  what: string,
  input: { participantId: string; environment: string; requestId?: string | undefined },
  verdict: string,
  facts: Record<string, unknown> = {},
): void {
  log.info(`${what} checked`, {
    participantId: input.participantId,
    environment: input.environment,
    verdict,
    ...facts,
    requestId: input.requestId ?? null,
  });
}
