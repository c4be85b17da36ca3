/**
 * The chase clock: while a wait is open, reminders go to the awaited role at every interval, the
 * escalation contact is told once, and at the expiry the onboarding stands still until an operator
 * resumes it. Suspended or expired, no timer of any wait fires; a resume moves the clocks on.
 */
import { condition } from '@temporalio/workflow';
import type { HaltInput } from '../inputs';
import type { ChaseEvent, WaitChase, WaitInstance } from '../state';
import { notifyChase } from './notify';
import { type JourneyState, nowIso, openOnes } from './state';

/** The chase's next event: a reminder, the escalation or the expiry, whichever comes first; null when none is due ever. */
export function nextChase(chase: WaitChase): { type: ChaseEvent['type']; at: string } | null {
  const since = Date.parse(chase.since);
  const { remindEveryMs, escalateAfterMs, expireAfterMs } = chase.timers;
  const due: { type: ChaseEvent['type']; at: number }[] = [];
  if (expireAfterMs !== null) due.push({ type: 'expiry', at: since + expireAfterMs });
  if (escalateAfterMs !== null && !chase.escalated) due.push({ type: 'escalation', at: since + escalateAfterMs });
  if (remindEveryMs !== null && remindEveryMs > 0) due.push({ type: 'reminder', at: since + (chase.reminders + 1) * remindEveryMs });
  // The earliest; on a tie the expiry, then the escalation (a reminder at the same moment would say less).
  const first = due.reduce<(typeof due)[number] | null>((min, d) => (min === null || d.at < min.at ? d : min), null);
  return first === null ? null : { type: first.type, at: new Date(first.at).toISOString() };
}

/** Waits until the instance closes (or the parallel waits around it unwind), chasing it meanwhile. */
export async function waitChasing<I extends WaitInstance>(state: JourneyState, instance: I): Promise<I> {
  const chase = instance.chase;
  const done = () => instance.status !== 'open' || state.stopWaiting;
  const halted = () => state.status.halt !== null;
  while (!done()) {
    if (halted()) {
      await condition(() => done() || !halted());
      continue;
    }
    const next = nextChase(chase);
    if (next === null) {
      await condition(() => done() || halted());
      continue;
    }
    const wait = Date.parse(next.at) - Date.now();
    const timer = { summary: `${instance.id}: ${next.type}${next.type === 'reminder' ? ` ${chase.reminders + 1}` : ''} due ${next.at}` };
    if (wait > 0 && (await condition(() => done() || halted(), wait, timer))) continue;
    await chaseOnce(state, instance, chase, next.type);
  }
  return instance;
}

async function chaseOnce(state: JourneyState, instance: WaitInstance, chase: WaitChase, type: ChaseEvent['type']): Promise<void> {
  const at = nowIso();
  if (type === 'reminder') {
    chase.reminders += 1;
    chase.events.push({ at, type, n: chase.reminders, to: instance.role });
    state.transition({ note: `${instance.id}: reminder ${chase.reminders} to ${instance.role}` });
  } else if (type === 'escalation') {
    chase.escalated = true;
    chase.events.push({ at, type, to: 'escalation' });
    state.transition({ note: `${instance.id}: escalated (waiting for ${instance.role} since ${chase.since})` });
  } else {
    chase.events.push({ at, type, to: instance.role });
    const reason = `${instance.id} was not answered by ${instance.role} in time`;
    state.status.halt = { state: 'expired', since: at, by: 'timer', reason, instanceId: instance.id };
    state.intervene({ at, action: 'expired', by: 'timer', via: 'timer', reason, instanceId: instance.id });
    state.transition({ note: `${instance.id}: expired; the onboarding waits for an operator to resume it` });
  }
  await notifyChase(state, instance, chase.events[chase.events.length - 1] as ChaseEvent);
}

/** An operator stops the clock: no reminder fires, nothing is decided or submitted until resumed. */
export function suspendChase(state: JourneyState, input: HaltInput): void {
  const at = nowIso();
  state.status.halt = { state: 'suspended', since: at, by: input.by, reason: input.reason };
  state.intervene({ at, action: 'suspended', by: input.by, via: 'api', reason: input.reason });
  state.transition({ note: `suspended by ${input.by}` });
}

/**
 * Goes on where it stood: every open wait's timers move on by the time stood still; the wait
 * that expired starts its chase afresh. Returns what the onboarding was (suspended or expired).
 */
export function resumeChase(state: JourneyState, input: HaltInput): string | null {
  const halt = state.status.halt;
  if (!halt) return null;
  const at = nowIso();
  const stood = Date.now() - Date.parse(halt.since);
  for (const open of openOnes(state.status.instances)) {
    if (open.id === halt.instanceId) {
      open.chase.since = at;
      open.chase.reminders = 0;
      open.chase.escalated = false;
    } else {
      open.chase.since = new Date(Date.parse(open.chase.since) + stood).toISOString();
    }
  }
  state.status.halt = null;
  state.intervene({
    at,
    action: 'resumed',
    by: input.by,
    via: 'api',
    reason: input.reason,
    ...(halt.instanceId ? { instanceId: halt.instanceId } : {}),
  });
  state.transition({ note: `resumed by ${input.by} (was ${halt.state})` });
  return halt.state;
}
