/** The ledger capability's activities: thin glue from its ports to the workflows, through the one error edge. */
import { log } from '@temporalio/activity';
import { throughEdge, whileHeartbeating } from '../activity-edge';
import type { HubLedger, LedgerSetupRequest, LedgerSetupResult } from './hub-ledger';

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
  });
}

export type LedgerActivities = ReturnType<typeof createLedgerActivities>;
