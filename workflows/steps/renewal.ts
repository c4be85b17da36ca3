import { condition, log, workflowInfo } from '@temporalio/workflow';
import { activitiesFor } from '../frame/summaries';
import type { NetworkActivities } from '../../activities';
import type { Journey } from '../frame/journey';
import type { SubmissionHandler, SubmissionOptions, WaitSpec } from '../frame/submission-types';
import { instanceId } from '../messages';
import type { Environment, OnboardingStatus, SubmissionInstance, SubmissionName, WatchedCertificate } from '../messages';
import { notifyCertificate } from '../frame/notify';

const network = activitiesFor<NetworkActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** How a kind renews one of its certificates: the same check (and signing) as at onboarding, per environment. */
export interface RenewalStep<N extends SubmissionName = SubmissionName> {
  handler: SubmissionHandler<N>;
  options?: SubmissionOptions;
}

/** The certificates a kind watches after go-live, by the submission that brought them. */
export type Renewals = { [N in SubmissionName]?: (environment: Environment) => RenewalStep<N> };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The identity of the certificate an accepted submission carries: at the top of its artifact (hub-issued, installed) or as its `leaf` (a checked bundle). */
export function certificateOf(
  artifact: Record<string, unknown> | null,
): Pick<WatchedCertificate, 'serialHex' | 'sha256' | 'notAfter'> | null {
  if (artifact === null) return null;
  const source = isObject(artifact.leaf) ? artifact.leaf : artifact;
  const { serialHex, sha256, notAfter } = source;
  if (typeof serialHex !== 'string' || typeof sha256 !== 'string' || typeof notAfter !== 'string' || Number.isNaN(Date.parse(notAfter)))
    return null;
  return { serialHex, sha256, notAfter };
}

/** Accepted submissions of the watched kinds that carry a certificate not yet on the watch list. */
function unwatched(status: OnboardingStatus, watched: readonly SubmissionName[]) {
  const known = new Set((status.certificates ?? []).map((c) => c.id));
  return status.instances.flatMap((instance) => {
    if (instance.type !== 'submission' || instance.status !== 'accepted' || !watched.includes(instance.name) || known.has(instance.id))
      return [];
    const certificate = certificateOf(instance.artifact);
    return certificate === null ? [] : [{ instance, certificate }];
  });
}

/**
 * Brings the watch list up to date with the accepted submissions: every accepted certificate is
 * watched once; a certificate whose renewal was accepted becomes `replaced`. Returns whether it changed.
 */
export function absorbCertificates(status: OnboardingStatus, watched: readonly SubmissionName[]): boolean {
  const found = unwatched(status, watched);
  const certificates = (status.certificates ??= []);
  for (const { instance, certificate } of found) {
    certificates.push({ id: instance.id, submission: instance.name, environment: instance.environment, ...certificate, state: 'valid' });
    for (const renewed of certificates.filter((c) => c.renewal === instance.id && c.state !== 'replaced')) {
      renewed.state = 'replaced';
      renewed.replacedAt = instance.closedAt ?? undefined;
    }
  }
  return found.length > 0;
}

/** The watch's next event: a renewal opens `leadMs` before a valid certificate's notAfter; a certificate under renewal expires at its notAfter. */
export function nextCertificateEvent(
  certificates: readonly WatchedCertificate[],
  leadMs: number,
  graceMs = Number.POSITIVE_INFINITY,
): { type: 'renewal-due' | 'expiry' | 'retire'; id: string; at: number } | null {
  let next: { type: 'renewal-due' | 'expiry' | 'retire'; id: string; at: number } | null = null;
  for (const c of certificates) {
    const notAfter = Date.parse(c.notAfter);
    const event =
      c.state === 'valid'
        ? { type: 'renewal-due' as const, id: c.id, at: notAfter - leadMs }
        : c.state === 'renewal-due'
          ? { type: 'expiry' as const, id: c.id, at: notAfter }
          : c.state === 'replaced' && c.replacedAt !== undefined && c.retiredAt === undefined && Number.isFinite(graceMs)
            ? { type: 'retire' as const, id: c.id, at: Math.min(Date.parse(c.replacedAt) + graceMs, notAfter) }
            : null;
    if (event !== null && (next === null || event.at < next.at)) next = event;
  }
  return next;
}

/**
 * The live participant's certificates, watched for years: each certificate the hub issued or
 * accepted (the kind's `renewals`) is renewed `policy.renewalLeadMs` before it expires — the
 * participant and ops are told, and a renewal round of the same submission opens (new CSR → checks
 * → signing, or a new chain → checks) while the participant stays live. A certificate that expires
 * unrenewed is flagged (`expired`, the `CertificateState` search attribute) and the renewal stays
 * open. Ends only by cancellation (offboarding); continues as new when the history grows long.
 */
export async function liveWithRenewals(journey: Journey, note: string, renewals: Renewals): Promise<never> {
  const watched = Object.keys(renewals) as SubmissionName[];
  const status = journey.status;
  if (status.liveSince === undefined) {
    absorbCertificates(status, watched);
    await journey.live(note);
  }
  // A renewal left open by the previous run (continue-as-new) is waited on again.
  for (const c of status.certificates ?? []) {
    const open = status.instances.find((i) => i.id === c.renewal && i.status === 'open');
    if (open !== undefined) follow(journey, renewals, c, open.round);
  }
  const leadMs = status.policy.renewalLeadMs;
  const graceMs = journey.limits.replacedCertificateGraceMs ?? defaultReplacedGraceMs;
  // The same test as absorbing: an accepted submission without a certificate never wakes the watch.
  const accepted = () => unwatched(status, watched).length > 0;
  for (;;) {
    await journey.checkpoint();
    if (absorbCertificates(status, watched)) journey.transition({ step: 'done', note: 'renewed certificate in force' });
    const next = nextCertificateEvent(status.certificates ?? [], leadMs, graceMs);
    if (next === null) {
      await condition(accepted);
      continue;
    }
    const wait = next.at - Date.now();
    if (
      wait > 0 &&
      (await condition(accepted, wait, { summary: `certificate ${next.id}: ${next.type} due ${new Date(next.at).toISOString()}` }))
    )
      continue;
    const certificate = (status.certificates ?? []).find((c) => c.id === next.id) as WatchedCertificate;
    if (next.type === 'renewal-due') await openRenewal(journey, renewals, certificate);
    else if (next.type === 'retire') await retire(journey, certificate);
    else await flagExpired(journey, certificate);
  }
}

/** A replaced client certificate stays admitted beside its renewal this long, so the participant can switch over. */
const defaultReplacedGraceMs = 86_400_000;

/** The certificates that are the participant's identity at the edge (others are the hub's or its servers'). */
const clientIdentities: readonly SubmissionName[] = ['client-csr', 'certificate-bundle'];

/**
 * A replaced certificate's grace is over: the edge stops admitting it (revoked in the registry,
 * the gateway applied again); its renewal is the one in force. Idempotent per certificate.
 */
async function retire(journey: Journey, certificate: WatchedCertificate): Promise<void> {
  if (clientIdentities.includes(certificate.submission)) {
    await network.retireClientCertificate({
      participantId: journey.status.participantId,
      environment: certificate.environment,
      sha256: certificate.sha256,
      writeKey: `${workflowInfo().workflowId}/${certificate.id}/retire`,
    });
  }
  certificate.retiredAt = new Date(Date.now()).toISOString();
  journey.transition({ note: `${certificate.id}: retired (replaced, its grace over)` });
  log.info('replaced certificate retired', { certificate: certificate.id });
}

/** Opens the next round of the certificate's submission, tells the participant and ops, and chases it (no expiry: the certificate's own end is the deadline). */
async function openRenewal(journey: Journey, renewals: Renewals, certificate: WatchedCertificate): Promise<void> {
  const status = journey.status;
  const round =
    Math.max(
      0,
      ...status.instances.filter((i) => i.name === certificate.submission && i.environment === certificate.environment).map((i) => i.round),
    ) + 1;
  const at = new Date(Date.now()).toISOString();
  certificate.state = 'renewal-due';
  certificate.renewal = instanceId({ name: certificate.submission, environment: certificate.environment, round });
  certificate.renewalOpenedAt = at;
  const reason = `${certificate.id} (serial ${certificate.serialHex}) expires at ${certificate.notAfter}`;
  status.interventions.push({ at, action: 'renewal-opened', by: 'timer', via: 'timer', reason, instanceId: certificate.renewal });
  const instance = follow(journey, renewals, certificate, round);
  log.info('certificate renewal opened', { certificate: certificate.id, renewal: instance.id, notAfter: certificate.notAfter });
  await notifyCertificate(
    journey,
    instance,
    'renewal-due',
    `The certificate ${certificate.id} (serial ${certificate.serialHex}, SHA-256 ${certificate.sha256}) expires at ${certificate.notAfter}. Submit its renewal as ${instance.id}.`,
  );
}

async function flagExpired(journey: Journey, certificate: WatchedCertificate): Promise<void> {
  const at = new Date(Date.now()).toISOString();
  certificate.state = 'expired';
  certificate.expiredAt = at;
  const reason = `${certificate.id} (serial ${certificate.serialHex}) expired at ${certificate.notAfter} before ${certificate.renewal ?? 'a renewal'} was accepted`;
  journey.status.interventions.push({
    at,
    action: 'certificate-expired',
    by: 'timer',
    via: 'timer',
    reason,
    ...(certificate.renewal ? { instanceId: certificate.renewal } : {}),
  });
  journey.transition({ note: `${certificate.id}: expired unrenewed` });
  log.warn('certificate expired unrenewed', { certificate: certificate.id, renewal: certificate.renewal ?? null });
  const renewal = journey.status.instances.find((i): i is SubmissionInstance => i.id === certificate.renewal && i.type === 'submission');
  if (renewal !== undefined) {
    await notifyCertificate(
      journey,
      renewal,
      'certificate-expired',
      `The certificate ${certificate.id} (serial ${certificate.serialHex}) expired at ${certificate.notAfter}; ${renewal.id} is still open.`,
    );
  }
}

function renewalSpec(certificate: WatchedCertificate, round: number): WaitSpec<SubmissionName> {
  return { name: certificate.submission, environment: certificate.environment, round, timers: { expireAfterMs: null } };
}

/** Opens (or finds, after continue-as-new) the certificate's renewal and waits on it beside the watch; the watch sees it accepted. */
function follow(journey: Journey, renewals: Renewals, certificate: WatchedCertificate, round: number): SubmissionInstance {
  // The kind's renewal step for the certificate's submission (Renewals pairs each name with its own step).
  const renewal = renewals[certificate.submission] as ((environment: Environment) => RenewalStep) | undefined;
  if (renewal === undefined) throw new TypeError(`no renewal step for ${certificate.submission}`);
  const step = renewal(certificate.environment);
  const instance = journey.openSubmission(renewalSpec(certificate, round), step.handler, step.options);
  // Reminders run beside the watch; a cancellation ends both (the journey's run handles it).
  journey.waitClosed(instance).catch(() => undefined);
  return instance;
}
