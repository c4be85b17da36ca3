/** The UAT capability's activities: the hub's automated UAT run of a gate round, through the one error edge. */
import { Context, log } from '@temporalio/activity';
import type { UatRunResult } from '../../workflows/messages';
import { throughEdge } from '../activity-edge';
import { skipped, type TestingToolkitUat, type UatRunRequest } from './testing-toolkit-uat';

/** What the UAT activities need: the runner, or null when the hub has none (the gate shows the run was skipped). */
export interface UatDeps {
  uat: TestingToolkitUat | null;
}

export function createUatActivities(deps: UatDeps) {
  return throughEdge({
    /**
     * Runs the scheme's UAT collection against the DFSP's sandbox endpoints, or collects the run
     * already made under the same id (never a second run); keeps the evidence, returns the counts.
     */
    async runUat(request: UatRunRequest): Promise<UatRunResult> {
      const context = Context.current();
      const result =
        deps.uat === null
          ? skipped(request.runId, null, 'the hub has no UAT runner (SANDBOX_SWITCH_TTK_URL is not set)')
          : await deps.uat.run(request, { heartbeat: () => context.heartbeat(), sleep: (ms) => context.sleep(ms) });
      log.info('uat run', {
        participantId: request.participantId,
        environment: request.environment,
        round: request.round,
        runId: request.runId,
        outcome: result.outcome,
        passed: result.assertions.passed,
        total: result.assertions.total,
      });
      return result;
    },
  });
}

export type UatActivities = ReturnType<typeof createUatActivities>;
