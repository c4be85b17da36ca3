/** The bank capability's activities: thin glue from its ports to the workflows, through the one error edge. */
import { egressConfig } from '../network/egress';
import { log } from '@temporalio/activity';
import type { Environment } from '../../workflows/vocabulary';
import { logCheck, throughEdge } from '../activity-edge';
import type { BankTechnicalUsers, TechnicalUser } from '../credentials/technical-users';
import type { HubJwtKey, HubJwtKeys } from '../keys/hub-jwt-keys';
import { AuthorizationCheckReport, checkAuthorizationService } from '../network/authorization-check';
import type { CounterpartySpec, CounterpartyView, IdentifiersReport, ProcessingCenter, SystemUrls } from '../processing/processing-center';

/** What the bank activities need, and nothing more. */
export interface BankDeps {
  /** The hub's outbound calls to participants: connect timeout, and curl-style --connect-to overrides ("host:port" → where). */
  outbound: { timeoutMs: number; connectTo: Record<string, { host: string; port: number }> };
  /** Resolves callback host names for the production SSRF rules; the system resolver when absent. */
  resolveHost?: (host: string) => Promise<string[]>;
  /** Bank counterparties: the hub's JWT keys, the processing centre, the key keeper's technical users. */
  hubJwtKeys: HubJwtKeys;
  processingCenter: ProcessingCenter;
  technicalUsers: BankTechnicalUsers;
  /** The `iss` of the hub's JWTs (its name). */
  hubName: string;
}

export interface CheckBankAuthorizationInput {
  participantId: string;
  environment: Environment;
  url: string;
  caPem: string | null;
  /** The check's write key: the JWT's id. */
  writeKey: string;
  requestId?: string;
}

export interface SetUpCounterpartyInput extends CounterpartySpec {
  systemUrls: SystemUrls;
  firstEmployeeEmail: string;
}

export interface CounterpartySetUp {
  counterpartyId: string;
  employeeId: string;
  entities: { identification: string; processing: string };
  systemUrls: SystemUrls;
}

export function createBankActivities(deps: BankDeps) {
  return throughEdge({
    /** The environment's hub JWT key (made on first use): public parts only. */
    async prepareHubJwtKey(input: { environment: Environment }): Promise<Omit<HubJwtKey, 'retiredAt'>> {
      const { kid, environment, jwk, publicKeyPem, createdAt } = await deps.hubJwtKeys.live(input.environment);
      log.info('hub jwt key ready', { environment, kid });
      return { kid, environment, jwk, publicKeyPem, createdAt };
    },

    /** Presents a JWT signed with the hub's key to the bank's authorization URL; the report says whether it was accepted and why not. */
    async checkBankAuthorization(input: CheckBankAuthorizationInput): Promise<AuthorizationCheckReport> {
      const { jwt, kid } = await deps.hubJwtKeys.signTestJwt({
        environment: input.environment,
        audience: input.url,
        subject: input.participantId,
        jti: input.writeKey,
        issuer: deps.hubName,
      });
      const report = await checkAuthorizationService({
        url: input.url,
        environment: input.environment,
        jwt,
        kid,
        caPem: input.caPem,
        timeoutMs: deps.outbound.timeoutMs,
        egress: egressConfig(deps.outbound.connectTo, deps.resolveHost),
      });
      logCheck('bank authorization', input, report.verdict, { httpStatus: report.httpStatus, cause: report.cause });
      return report;
    },

    /** The key keeper's two technical users; their secrets leave only as one-time pickups. Idempotent by write key. */
    async issueTechnicalUsers(input: { participantId: string; environment: Environment; writeKey: string }): Promise<TechnicalUser[]> {
      const users = await deps.technicalUsers.issue(input);
      log.info('bank technical users issued', {
        participantId: input.participantId,
        environment: input.environment,
        users: users.map((u) => u.username),
      });
      return users;
    },

    async revokeTechnicalUsers(input: { participantId: string; environment: Environment }): Promise<number> {
      return deps.technicalUsers.revoke(input.participantId, input.environment);
    },

    /** Seed 001 steps 3, 9, 10: the counterparty with its asset code, its system URLs, the first employee, the two entities. Each call idempotent. */
    async setUpCounterparty(input: SetUpCounterpartyInput): Promise<CounterpartySetUp> {
      const { systemUrls, firstEmployeeEmail, ...spec } = input;
      const { counterpartyId } = await deps.processingCenter.registerCounterparty(spec);
      await deps.processingCenter.setSystemUrls(counterpartyId, systemUrls);
      const { employeeId } = await deps.processingCenter.createEmployee(counterpartyId, firstEmployeeEmail, 'admin');
      const entities = await deps.processingCenter.createEntities(counterpartyId);
      log.info('counterparty set up', { participantId: input.participantId, environment: input.environment, counterpartyId });
      return { counterpartyId, employeeId, entities, systemUrls };
    },

    /** The identifiers the bank's operator requested (the whole list), registered to its identification entity. */
    async registerIdentifiers(input: { counterpartyId: string; identifiers: string[] }): Promise<IdentifiersReport> {
      return deps.processingCenter.registerIdentifiers(input.counterpartyId, input.identifiers);
    },

    /** Withdraws every identifier of the counterparty (a cancelled onboarding), so that no other bank is blocked by them. */
    async withdrawIdentifiers(input: { counterpartyId: string }): Promise<number> {
      const count = await deps.processingCenter.withdrawIdentifiers(input.counterpartyId);
      log.info('identifiers withdrawn', { counterpartyId: input.counterpartyId, count });
      return count;
    },

    async readCounterparty(input: { participantId: string; environment: Environment }): Promise<CounterpartyView | null> {
      return deps.processingCenter.counterparty(input.participantId, input.environment);
    },
  });
}

export type BankActivities = ReturnType<typeof createBankActivities>;
