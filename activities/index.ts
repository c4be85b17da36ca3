import { ApplicationFailure } from '@temporalio/common';
import { Context, log } from '@temporalio/activity';
import { DomainError } from './domain-error';
import type { DeliveryReceipt, Notifier, WaitNotification, WaitOpenedNotification } from './notify/notifier';
import type { ClientView, CredentialIssuer, IssueClientRequest, IssuedClient } from './credentials/credential-issuer';
import type { AppliedAllowlist, ApplyAllowlistRequest, GatewayChange, NetworkAccessService } from './network/access';
import type { AllowlistReport } from './network/allowlist-checks';
import { checkEndpoints, EndpointsReport } from './network/endpoint-checks';
import { checkConnectivity, ConnectivityReport } from './network/connectivity-probe';
import { scanPem, toPem } from './pki/pem';
import { checkJwsKey, JwsKeyReport } from './keys/jws-key-checks';
import type { HubLedger, LedgerSetupRequest, LedgerSetupResult } from './ledger/hub-ledger';
import type { JwsKeyRecord, ParticipantKeyDirectory, RecordJwsKeyRequest } from './registry/participant-keys';
import { BundleReport, checkBundle } from './pki/bundle-checks';
import { evaluateClientCertificate, type ClientCertificateEvaluationInput } from './pki/client-certificate-evaluation';
import { checkRedirectUrls, type RedirectUrlsReport } from './network/redirect-url-checks';
import type { CsrReport } from './pki/csr-checks';
import type { CsrSigningService, IssuedCertificate, SignCsrRequest } from './pki/csr-signing';
import type { CaSigner } from './pki/local-hub-ca';
import { checkHubClientCertificate, HubClientCertificateReport } from './pki/hub-client-certificate-checks';
import type { HubClientCertificate, HubClientKeyRecord, HubClientKeys } from './pki/hub-client-keys';
import { CertificateRole, ParticipantIdentity, policyFor } from './pki/policy';
import type { Environment, OnboardingKind } from '../workflows/vocabulary';
import type { HubJwtKey, HubJwtKeys } from './keys/hub-jwt-keys';
import { AuthorizationCheckReport, checkAuthorizationService } from './network/authorization-check';
import type { CounterpartySpec, CounterpartyView, IdentifiersReport, ProcessingCenter, SystemUrls } from './processing/processing-center';
import type { BankTechnicalUsers, TechnicalUser } from './credentials/technical-users';

export interface ActivityDeps {
  notifier: Notifier;
  ca: CaSigner;
  csrSigning: CsrSigningService;
  network: NetworkAccessService;
  credentials: CredentialIssuer;
  /** How long a rotated-out client secret stays valid. */
  rotationOverlapSeconds: number;
  keys: ParticipantKeyDirectory;
  /** The hub's client key pairs towards participants (hub → participant mTLS). */
  hubClientKeys: HubClientKeys;
  ledger: HubLedger;
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

export interface CheckEndpointsInput {
  participantId: string;
  environment: Environment;
  callbacks: Record<string, string>;
  serverCertificateHosts: string[] | null;
  requestId?: string;
}

export interface ProveConnectivityInput {
  participantId: string;
  environment: Environment;
  /** The accepted callback URLs. */
  urls: string[];
  /** The accepted server certificate: its fingerprint, the normalised chain (leaf first) and the root it came with. */
  server: { leafSha256: string; chainPem: string; rootPem: string | null };
  requestId?: string;
}

export interface CheckJwsKeyInput {
  participantId: string;
  environment: Environment;
  keyPem: string;
  challenge: string;
  challengeJws: string;
  requestId?: string;
}

export interface RevokeClientInput {
  clientId: string;
}

export interface CheckAllowlistInput {
  participantId: string;
  environment: Environment;
  entries: string[];
  requestId?: string;
}

export interface RevokeAccessInput {
  participantId: string;
  environment: Environment;
  writeKey: string;
}

export interface CheckBundleInput {
  pem: string;
  kind: OnboardingKind;
  environment: Environment;
  role: CertificateRole;
  participant?: ParticipantIdentity;
  /** Require the chain to end at the hub CA (certificates the hub issued). */
  anchorAtHubCa?: boolean;
  /** The API request that led here (x-request-id), for the logs. */
  requestId?: string;
}

export interface HubClientKeyInput {
  participantId: string;
  environment: Environment;
}

export interface CheckHubClientCertificateInput extends HubClientKeyInput {
  kind: OnboardingKind;
  pem: string;
  requestId?: string;
}

export interface InstallHubClientCertificateInput extends HubClientKeyInput {
  spkiSha256: string;
  certificate: HubClientCertificate;
}

/** What a workflow may know of the hub's client key: public parts only. */
export type HubClientKeyView = Omit<HubClientKeyRecord, 'certificate'> & {
  certificate: Omit<HubClientCertificate, 'certificatePem' | 'rootPem'> | null;
};

function publicView(record: HubClientKeyRecord): HubClientKeyView {
  const { certificate, ...rest } = record;
  if (certificate === null) return { ...rest, certificate: null };
  const { serialHex, sha256, subject, issuer, notBefore, notAfter } = certificate;
  return { ...rest, certificate: { serialHex, sha256, subject, issuer, notBefore, notAfter } };
}

/**
 * Heartbeats every few seconds while `work` runs, so a worker that dies mid-activity is noticed
 * after the heartbeat timeout (seconds) rather than the start-to-close timeout (minutes).
 */
async function whileHeartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), 3000);
  context.heartbeat();
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

type ActivityFunction = (...args: never[]) => Promise<unknown>;

/**
 * The one error edge: domain errors leave an activity as ApplicationFailures whose `type` is the
 * stable code and whose retryability is the code's (workflows/errors.ts), not a list of classes.
 * Every activity of every group goes through it.
 */
function throughEdge<G extends Record<string, ActivityFunction>>(group: G): G {
  const wrapped: Record<string, ActivityFunction> = {};
  for (const [name, fn] of Object.entries(group)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
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

export class HubClientKeyError extends DomainError<'HUB_CLIENT_KEY_MISSING' | 'HUB_CLIENT_KEY_REPLACED'> {}

function notifyActivities(deps: ActivityDeps) {
  const notify = async (notification: WaitNotification): Promise<DeliveryReceipt> => {
    const receipt = await deps.notifier.notify(notification);
    log.info('wait notification', {
      instanceId: notification.instanceId,
      event: notification.event,
      to: notification.to,
      participantId: notification.participantId,
      firstDelivery: receipt.firstDelivery,
    });
    return receipt;
  };
  return throughEdge({
    /** Tells the awaited role that a gate or submission opened; once per instance (idempotency key). */
    async notifyWaitOpened(notification: WaitOpenedNotification & Partial<WaitNotification>): Promise<DeliveryReceipt> {
      return notify({ event: 'opened', to: notification.role, since: new Date().toISOString(), ...notification });
    },
    /** A reminder, escalation, expiry or renewal notice; once per key. */
    async notifyWait(notification: WaitNotification): Promise<DeliveryReceipt> {
      return notify(notification);
    },
  });
}

function pkiActivities(deps: ActivityDeps) {
  return throughEdge({
    /** Gating checks of a submitted certificate bundle; the report decides, the workflow acts on `blocking`. */
    async checkCertificateBundle(input: CheckBundleInput): Promise<BundleReport> {
      const report = await checkBundle(input.pem, {
        policy: policyFor(input.kind, input.environment),
        role: input.role,
        ...(input.participant ? { participant: input.participant } : {}),
        ...(input.anchorAtHubCa ? { trustAnchors: [deps.ca.root] } : {}),
      });
      log.info('certificate bundle checked', {
        participantId: input.participant?.participantId ?? null,
        verdict: report.verdict,
        blocking: report.blocking,
        requestId: input.requestId ?? null,
      });
      return report;
    },

    /** An API client's certificate bundle, the CSR it came from (optional) and the challenge signed with its key. */
    async evaluateClientCertificate(
      input: ClientCertificateEvaluationInput & {
        kind: OnboardingKind;
        environment: Environment;
        participant?: ParticipantIdentity;
        requestId?: string;
      },
    ): Promise<BundleReport> {
      const { kind, environment, participant, requestId, ...evaluation } = input;
      const report = await evaluateClientCertificate(evaluation, {
        policy: policyFor(kind, environment),
        ...(participant ? { participant } : {}),
      });
      log.info('client certificate evaluated', {
        participantId: participant?.participantId ?? null,
        environment,
        verdict: report.verdict,
        blocking: report.blocking,
        requestId: requestId ?? null,
      });
      return report;
    },

    async checkParticipantCsr(request: SignCsrRequest): Promise<CsrReport> {
      return deps.csrSigning.check(request);
    },

    /**
     * A submitted CSR checked and, when nothing blocks, signed — one activity, the CSR read once.
     * Idempotent like signParticipantCsr: a retry returns the certificate issued the first time.
     */
    async checkAndSignParticipantCsr(request: SignCsrRequest): Promise<{ report: CsrReport; issued: IssuedCertificate | null }> {
      const { report, issued } = await deps.csrSigning.checkAndSign(request);
      if (issued !== null) logIssued(request, issued);
      return { report, issued };
    },

    /**
     * TLS, hub → participant: the hub's key pair and CSR for its client certificate towards the
     * participant (made once per participant and environment; the private key stays encrypted in
     * the registry). Returns the public parts only.
     */
    async prepareHubClientCsr(input: HubClientKeyInput): Promise<HubClientKeyView> {
      const record = await deps.hubClientKeys.prepare(input.participantId, input.environment, new Date());
      log.info('hub client key ready', {
        participantId: input.participantId,
        environment: input.environment,
        spkiSha256: record.spkiSha256,
        state: record.state,
      });
      return publicView(record);
    },

    /** The certificate the participant's CA issued for the hub's CSR, judged; nothing is installed here. */
    async checkHubClientCertificate(input: CheckHubClientCertificateInput): Promise<HubClientCertificateReport> {
      const live = await deps.hubClientKeys.live(input.participantId, input.environment);
      if (live === null)
        throw new HubClientKeyError(
          'HUB_CLIENT_KEY_MISSING',
          `the hub has no client key for ${input.participantId} in ${input.environment}`,
        );
      const report = await checkHubClientCertificate(input.pem, {
        policy: policyFor(input.kind, input.environment),
        expectedSpkiSha256: live.spkiSha256,
        hubCaSha256: [deps.ca.root.sha256, deps.ca.issuing.sha256],
      });
      log.info('hub client certificate checked', {
        participantId: input.participantId,
        environment: input.environment,
        verdict: report.verdict,
        requestId: input.requestId ?? null,
      });
      return report;
    },

    /** Installs the checked certificate for the hub's outbound calls to the participant. Idempotent. */
    async installHubClientCertificate(input: InstallHubClientCertificateInput): Promise<HubClientKeyView> {
      const record = await deps.hubClientKeys.install(
        input.participantId,
        input.environment,
        input.spkiSha256,
        input.certificate,
        new Date(),
      );
      if (record === null)
        throw new HubClientKeyError(
          'HUB_CLIENT_KEY_REPLACED',
          `the hub's client key for ${input.participantId} in ${input.environment} is no longer ${input.spkiSha256}`,
        );
      log.info('hub client certificate installed', {
        participantId: input.participantId,
        environment: input.environment,
        serial: input.certificate.serialHex,
      });
      return publicView(record);
    },

    /** Retires the hub's client key towards the participant (cancellation, offboarding). */
    async retireHubClientKey(input: HubClientKeyInput): Promise<number> {
      return deps.hubClientKeys.retire(input.participantId, input.environment, new Date());
    },

    /** Idempotent: a retry (same step, same CSR) returns the certificate issued the first time. */
    async signParticipantCsr(request: SignCsrRequest): Promise<IssuedCertificate> {
      const issued = await deps.csrSigning.sign(request);
      logIssued(request, issued);
      return issued;
    },
  });
}

function logIssued(request: SignCsrRequest, issued: IssuedCertificate): void {
  log.info('certificate issued', {
    participantId: request.participant.participantId,
    environment: request.environment,
    role: request.role,
    serial: issued.serialHex,
    reused: issued.reused,
  });
}

function networkActivities(deps: ActivityDeps) {
  return throughEdge({
    /** The allowlist checks (pure): findings and the normalised list. */
    async checkIpAllowlist(input: CheckAllowlistInput): Promise<AllowlistReport> {
      const report = deps.network.check(input.entries, input.environment);
      log.info('allowlist checked', {
        participantId: input.participantId,
        environment: input.environment,
        verdict: report.verdict,
        requestId: input.requestId ?? null,
      });
      return report;
    },

    /** Idempotent by write key: the accepted list becomes the participant's allowlist on the gateway. */
    async applyIpAllowlist(request: ApplyAllowlistRequest): Promise<AppliedAllowlist> {
      const applied = await deps.network.applyAllowlist(request);
      log.info('allowlist applied', {
        participantId: request.participantId,
        environment: request.environment,
        version: applied.version,
        revision: applied.revision,
        live: applied.live,
      });
      return applied;
    },

    /**
     * The connectivity proof: each callback origin over mTLS with the hub's client certificate
     * towards the participant, the server held to the certificate it registered.
     */
    async proveConnectivity(input: ProveConnectivityInput): Promise<ConnectivityReport> {
      const identity = await deps.hubClientKeys.outboundIdentity(input.participantId, input.environment);
      if (identity === null)
        throw new HubClientKeyError(
          'HUB_CLIENT_KEY_MISSING',
          `the hub has no installed client certificate towards ${input.participantId} in ${input.environment}`,
        );
      // Trust what the participant registered: its root and intermediates (not the leaf), or the system's roots when it sent no root.
      const intermediates = scanPem(input.server.chainPem)
        .blocks.slice(1)
        .map((b) => toPem('CERTIFICATE', b.der));
      const caPem = input.server.rootPem ? [input.server.rootPem, ...intermediates].join('') : null;
      const report = await whileHeartbeating(() =>
        checkConnectivity(input.urls, {
          identity,
          trust: { caPem, leafSha256: input.server.leafSha256 },
          timeoutMs: deps.outbound.timeoutMs,
          connectTo: (host, port) => deps.outbound.connectTo[`${host}:${port}`] ?? null,
        }),
      );
      log.info('connectivity proved', {
        participantId: input.participantId,
        environment: input.environment,
        verdict: report.verdict,
        targets: report.targets.map((t) => ({ origin: t.origin, ok: t.ok, cause: t.cause, alert: t.alert, elapsedMs: t.elapsedMs })),
        requestId: input.requestId ?? null,
      });
      return report;
    },

    /** The callback URLs' checks (SSRF rules, https in production, hosts covered by the server certificate). */
    async checkCallbackEndpoints(input: CheckEndpointsInput): Promise<EndpointsReport> {
      const report = await checkEndpoints({
        callbacks: input.callbacks,
        environment: input.environment,
        serverCertificateHosts: input.serverCertificateHosts,
        ...(deps.resolveHost ? { resolve: deps.resolveHost } : {}),
      });
      log.info('callback endpoints checked', {
        participantId: input.participantId,
        environment: input.environment,
        verdict: report.verdict,
        requestId: input.requestId ?? null,
      });
      return report;
    },

    /** An API client's redirect URIs (exact https) and callback URLs (SSRF rules). */
    async checkRedirectUrls(input: {
      participantId: string;
      environment: Environment;
      redirectUris: string[];
      callbackUrls: string[];
      requestId?: string;
    }): Promise<RedirectUrlsReport> {
      const report = await checkRedirectUrls(input, deps.resolveHost);
      log.info('redirect urls checked', {
        participantId: input.participantId,
        environment: input.environment,
        verdict: report.verdict,
        requestId: input.requestId ?? null,
      });
      return report;
    },

    /** Takes the participant out of the gateway in one environment (cancellation, offboarding). */
    async revokeGatewayAccess(input: RevokeAccessInput): Promise<GatewayChange> {
      const change = await deps.network.revoke(input.participantId, input.environment, input.writeKey);
      log.info('gateway access revoked', {
        participantId: input.participantId,
        environment: input.environment,
        revision: change.revision,
        live: change.live,
      });
      return change;
    },
  });
}

function credentialActivities(deps: ActivityDeps) {
  return throughEdge({
    /** One OAuth client per participant and environment; the secret leaves only as a one-time pickup id. */
    async issueOauthClient(request: IssueClientRequest): Promise<IssuedClient> {
      const issued = await deps.credentials.issue(request);
      log.info('oauth client issued', {
        clientId: issued.clientId,
        authMethod: issued.authMethod,
        scopes: issued.scopes,
        reused: issued.reused,
      });
      return issued;
    },

    /** A new secret; the previous one stays valid for the configured overlap. Idempotent by write key. */
    async rotateOauthSecret(input: { clientId: string; writeKey: string }): Promise<IssuedClient> {
      const rotated = await deps.credentials.rotate(input.clientId, deps.rotationOverlapSeconds, input.writeKey);
      log.info('oauth client secret rotated', { clientId: rotated.clientId, previousSecretValidUntil: rotated.previousSecretValidUntil });
      return rotated;
    },

    async revokeOauthClient(input: RevokeClientInput): Promise<ClientView> {
      const revoked = await deps.credentials.revoke(input.clientId);
      log.info('oauth client revoked', { clientId: revoked.clientId });
      return revoked;
    },
  });
}

function keyActivities(deps: ActivityDeps) {
  return throughEdge({
    /** The JWS key's checks and the proof of possession over the hub's challenge. */
    async checkJwsKey(input: CheckJwsKeyInput): Promise<JwsKeyReport> {
      const report = await checkJwsKey({
        keyPem: input.keyPem,
        challenge: input.challenge,
        challengeJws: input.challengeJws,
        heldBy: (spki) => deps.keys.jwsKeyHolders(spki, input.participantId),
      });
      log.info('jws key checked', {
        participantId: input.participantId,
        environment: input.environment,
        verdict: report.verdict,
        kid: report.key?.kid ?? null,
        requestId: input.requestId ?? null,
      });
      return report;
    },

    /** The accepted key becomes the participant's live key in the directory (the previous one retires). Idempotent by write key. */
    async recordJwsKey(request: RecordJwsKeyRequest): Promise<JwsKeyRecord> {
      const record = await deps.keys.recordJwsKey(request, new Date());
      log.info('jws key recorded', { participantId: request.participantId, environment: request.environment, kid: record.kid });
      return record;
    },

    async revokeJwsKey(input: { participantId: string; environment: Environment }): Promise<number> {
      return deps.keys.revokeJwsKey(input.participantId, input.environment, new Date());
    },
  });
}

function ledgerActivities(deps: ActivityDeps) {
  return throughEdge({
    /** Sets the DFSP up in the environment's hub ledger (or returns the settings for ops when it is manual). Idempotent. */
    async setUpHubLedger(request: LedgerSetupRequest): Promise<LedgerSetupResult> {
      const result = await whileHeartbeating(() => deps.ledger.setUp(request));
      log.info('hub ledger set up', { fspId: request.fspId, environment: request.environment, mode: result.mode });
      return result;
    },
  });
}

function bankActivities(deps: ActivityDeps) {
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
        connectTo: (host, port) => deps.outbound.connectTo[`${host}:${port}`] ?? null,
        ...(deps.resolveHost ? { resolve: deps.resolveHost } : {}),
      });
      log.info('bank authorization checked', {
        participantId: input.participantId,
        environment: input.environment,
        verdict: report.verdict,
        httpStatus: report.httpStatus,
        cause: report.cause,
        requestId: input.requestId ?? null,
      });
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

    async readCounterparty(input: { participantId: string; environment: Environment }): Promise<CounterpartyView | null> {
      return deps.processingCenter.counterparty(input.participantId, input.environment);
    },
  });
}

/** The only place ports are wired to activities, one group per capability; tests pass fakes here. */
export function createActivities(deps: ActivityDeps) {
  return {
    notify: notifyActivities(deps),
    pki: pkiActivities(deps),
    network: networkActivities(deps),
    credentials: credentialActivities(deps),
    keys: keyActivities(deps),
    ledger: ledgerActivities(deps),
    bank: bankActivities(deps),
  };
}

export type ActivityGroups = ReturnType<typeof createActivities>;
export type NotifyActivities = ActivityGroups['notify'];
export type PkiActivities = ActivityGroups['pki'];
export type NetworkActivities = ActivityGroups['network'];
export type CredentialActivities = ActivityGroups['credentials'];
export type KeyActivities = ActivityGroups['keys'];
export type LedgerActivities = ActivityGroups['ledger'];
export type BankActivities = ActivityGroups['bank'];

/** The flat record a Worker registers; activity names must be unique across groups. */
export function activitiesOf(groups: ActivityGroups): Record<string, ActivityFunction> {
  const flat: Record<string, ActivityFunction> = {};
  for (const [group, activities] of Object.entries(groups)) {
    for (const [name, fn] of Object.entries(activities as Record<string, ActivityFunction>)) {
      if (name in flat) throw new TypeError(`activity ${name} of group ${group} is already registered by another group`);
      flat[name] = fn;
    }
  }
  return flat;
}
