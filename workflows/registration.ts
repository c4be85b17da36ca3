/** Who the participant is: its profile and the registration its kind starts with. */
import type { Environment } from './vocabulary';

export interface ParticipantProfile {
  legalName: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  contactEmail: string;
}

/** What a TPP / API client asks for (seed 000: use case, expected volume, APIs wanted). */
export interface AccessRequest {
  useCase: string;
  expectedMonthlyVolume: number;
  /** The API products wanted: the scopes of its OAuth clients. */
  apis: string[];
  /** The client asked for a kickoff call with the hub (a business gate after the certificate review). */
  kickoffCall?: boolean;
  /** Production identity: a CSR the hub CA signs (default), or a certificate from the client's own CA. */
  productionCertificate?: 'hub-signed' | 'ca-signed';
}

export interface Contact {
  name: string;
  email: string;
}

/** A currency the DFSP transacts in (ISO 4217) and its Net Debit Cap, the most it may owe the scheme. */
export interface DfspCurrency {
  currency: string;
  netDebitCap: number;
}

/** Seed 004's registration: what the hub ledger needs besides certificates and endpoints. */
export interface DfspRegistration {
  currencies: DfspCurrency[];
  contacts: { business: Contact; technical: Contact };
  /** The three notification e-mails central-ledger sends to. */
  notificationEmails: {
    netDebitCapAdjustment: string;
    settlementPositionChange: string;
    netDebitCapThresholdBreach: string;
  };
  /** The host names / IPs of the DFSP's callback servers per environment: its server certificate must name them. */
  callbackHosts: Record<Environment, string[]>;
  /** The OAuth scopes of the DFSP's gateway clients; absent: the hub's FSPIOP scopes. */
  scopes?: string[];
  /** The party the DFSP keeps in its sandbox for tests: the hub's UAT run pays it. Absent: the run is skipped. */
  uatParty?: { idType: string; idValue: string };
}

/**
 * A bank counterparty of a digital-currency processing centre (seed 001). Its alias names its hosts
 * (`api-<alias>-<environment>`, `backoffice-<alias>-<environment>`), so it is a DNS label.
 */
export interface BankRegistration {
  alias: string;
  /** ISO 4217, e.g. UAH: the asset the counterparty is registered with. */
  assetCode: string;
  /** The first employee of the counterparty in the processing centre. */
  firstEmployeeEmail: string;
  /** Where the bank's authorization service answers, per environment (https). */
  authorizationUrls: Record<Environment, string>;
}

/** The kind-specific part of the state. */
export type KindData =
  | { kind: 'tpp'; application: AccessRequest }
  | { kind: 'dfsp'; registration: DfspRegistration }
  | { kind: 'bank'; registration: BankRegistration };
