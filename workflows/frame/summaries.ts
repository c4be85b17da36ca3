/**
 * What the Temporal UI shows beside each activity and timer: the step and instance it serves
 * (`hub-ledger@sandbox: createParticipant`, `client-csr@sandbox#1 attempt 2: checkCsr`), so an ops
 * person reading the timeline does not have to expand events to know what is running. The frame
 * names what it is doing with `about` (a task, a submission's check, the edge, a notice); every
 * activity proxied through `activitiesFor` takes that name as its summary. Ids and activity names
 * only: the summaries are payloads the codec encrypts, but they are shown to every UI user who can decode.
 */
import { type ActivityInterfaceFor, AsyncLocalStorage, proxyActivities } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/common';

const doing = new AsyncLocalStorage<string>();

/** Runs `fn` with `label` as what the activities it schedules are about (nested labels replace the outer one). */
export function about<T>(label: string, fn: () => Promise<T>): Promise<T> {
  return doing.run(label, fn);
}

/** The summary of an activity scheduled now: what it is about, then its name. */
export function activitySummary(activityType: string): string {
  const label = doing.getStore();
  return label === undefined ? activityType : `${label}: ${activityType}`;
}

/**
 * The heartbeat timeout of every activity unless its options say otherwise: every activity
 * heartbeats each second while it runs (activities/activity-edge.ts), so a worker that dies
 * mid-activity costs seconds, not the start-to-close timeout.
 */
export const defaultHeartbeatTimeout = '5 seconds';

/** `proxyActivities` whose every call carries `activitySummary` as its UI summary (and the default heartbeat timeout). */
export function activitiesFor<A extends object>(given: ActivityOptions): ActivityInterfaceFor<A> {
  const options: ActivityOptions = { heartbeatTimeout: defaultHeartbeatTimeout, ...given };
  const proxied = proxyActivities<A>(options);
  return new Proxy(proxied, {
    get(target, name, receiver): unknown {
      const fn = Reflect.get(target, name, receiver) as unknown;
      if (typeof name !== 'string' || typeof fn !== 'function') return fn;
      const activity = fn as ActivityInterfaceFor<Record<string, (...args: unknown[]) => Promise<unknown>>>[string];
      const call = (...args: unknown[]) => activity.executeWithOptions({ ...options, summary: activitySummary(name) }, args);
      return Object.assign(call, { executeWithOptions: activity.executeWithOptions });
    },
  });
}
