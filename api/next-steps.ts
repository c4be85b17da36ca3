/** What a caller is asked to do next: the open waits it answers, each with the route, the body and the kit command. */
import type { AwaitedInput } from '../workflows/messages';
import { nextStepOf, type NextStep } from '../workflows/messages';
import { type Principal } from './auth';

/**
 * A participant (or an operator acting for it) answers the participant's submissions; an approver
 * the gates of its role. Staff without a deciding role are asked nothing.
 */
export function nextFor(principal: Principal, participantId: string, awaiting: readonly AwaitedInput[]): NextStep[] {
  const forParticipant = principal.grants.has(`participant:${participantId}`) || principal.grants.has('operator');
  return awaiting
    .filter((wait) =>
      wait.role === 'participant'
        ? forParticipant
        : // A gate of its role it has not approved yet (N-of-M asks the others).
          wait.type === 'gate' && principal.grants.has(`approver:${wait.role}`) && !(wait.approvals?.have ?? []).includes(principal.name),
    )
    .map((wait) => nextStepOf(participantId, wait));
}
