/**
 * The hub's ledger set-up for one DFSP in one environment (seed 004, "Onboarding in the Hub
 * backend"): add the DFSP and a currency account for each of its currencies, register every
 * callback endpoint and notification e-mail, set each currency's Net Debit Cap with initial
 * position 0. `CentralLedger` does it through Mojaloop central-ledger's admin API; `ManualLedger`
 * (no ledger configured) produces the exact settings for an operator to enter, and the journey
 * opens the `ledger-setup` gate for ops to confirm it — the manual process of the seeds, explicit.
 */
import type { Environment } from '../../workflows/vocabulary';

export interface LedgerCurrency {
  /** ISO 4217, e.g. XOF. */
  currency: string;
  /** The Net Debit Cap: the most the DFSP may owe the scheme in this currency. */
  netDebitCap: number;
}

/** central-ledger's endpoint types: FSPIOP_CALLBACK_URL_* for callbacks, *_EMAIL for notifications. */
export interface LedgerEndpoint {
  type: string;
  value: string;
}

export interface LedgerSetupRequest {
  /** The FSP id, central-ledger's participant name. */
  fspId: string;
  environment: Environment;
  currencies: LedgerCurrency[];
  endpoints: LedgerEndpoint[];
}

/** What the ledger holds for the DFSP, read back after the set-up. */
export interface LedgerParticipantView {
  name: string;
  isActive: boolean;
  /** Every account: POSITION and SETTLEMENT per currency. */
  accounts: { currency: string; ledgerAccountType: string; isActive: boolean }[];
  endpoints: LedgerEndpoint[];
  limits: { currency: string; type: string; value: number }[];
  positions: { currency: string; value: number }[];
}

export type LedgerSetupResult =
  | { mode: 'applied'; ledgerUrl: string; participant: LedgerParticipantView }
  /** No ledger configured: these are the settings an operator enters; the journey waits for ops. */
  | { mode: 'manual'; settings: LedgerSetupRequest };

/** What deactivating did: `applied` (the ledger no longer lets the DFSP transact), or `manual` (ops must do it). */
export type LedgerDeactivation = { mode: 'applied'; isActive: false } | { mode: 'manual'; fspId: string; environment: Environment };

export interface HubLedger {
  /** Idempotent: a repeat (activity retry, worker killed mid-way) converges on the same ledger state. */
  setUp(request: LedgerSetupRequest): Promise<LedgerSetupResult>;
  /** The DFSP stops transacting (a cancelled onboarding, an offboarding): inactive, its accounts kept for settlement. Idempotent. */
  deactivate(fspId: string, environment: Environment): Promise<LedgerDeactivation>;
}

/** The embedded default: nothing to call, the settings are the result. */
export class ManualLedger implements HubLedger {
  async setUp(request: LedgerSetupRequest): Promise<LedgerSetupResult> {
    return { mode: 'manual', settings: request };
  }

  async deactivate(fspId: string, environment: Environment): Promise<LedgerDeactivation> {
    return { mode: 'manual', fspId, environment };
  }
}

/** One ledger per environment (a hub runs separate pre-production and production switches). */
export class LedgerByEnvironment implements HubLedger {
  constructor(private readonly ledgers: Record<Environment, HubLedger>) {}

  setUp(request: LedgerSetupRequest): Promise<LedgerSetupResult> {
    return this.ledgers[request.environment].setUp(request);
  }

  deactivate(fspId: string, environment: Environment): Promise<LedgerDeactivation> {
    return this.ledgers[environment].deactivate(fspId, environment);
  }
}
