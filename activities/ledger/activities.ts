/** The ledger capability's activities: thin glue from its ports to the workflows, through the one error edge. */
import { log } from '@temporalio/activity';
import { throughEdge, whileHeartbeating } from '../activity-edge';
import type { Environment } from '../../workflows/vocabulary';
import type { HubLedger, LedgerDeactivation, LedgerSetupRequest, LedgerSetupResult } from './hub-ledger';

/** What the ledger activities need, and nothing more. */
export interface LedgerDeps {
  ledger: HubLedger;
}

export function createLedgerActivities(deps: LedgerDeps) {
  return throughEdge({
    /** Sets the DFSP up in the environment's hub ledger (or returns the settings for ops when it is manual). Idempotent. */
    async setUpHubLedger(request: LedgerSetupRequest): Promise<LedgerSetupResult> {
      const result = await whileHeartbeating(() => deps.ledger.setUp(request));
      log.info('hub ledger set up', { fspId: request.fspId, environment: request.environment, mode: result.mode });
      return result;
    },

    /** The DFSP stops transacting in the environment's ledger (a cancelled onboarding). Idempotent. */
    async deactivateLedgerParticipant(input: { fspId: string; environment: Environment }): Promise<LedgerDeactivation> {
      const result = await deps.ledger.deactivate(input.fspId, input.environment);
      log.info('hub ledger participant deactivated', { fspId: input.fspId, environment: input.environment, mode: result.mode });
      return result;
    },
  });
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;
