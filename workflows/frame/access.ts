/**
 * What the edge admits, derived from the journey: one access grant per (participant, environment).
 * The journey opens an environment's grant at its gate — sandbox once that environment's access
 * steps are accepted, production once go-live is approved — and from then the edge admits the
 * participant while the onboarding runs unhalted. A suspension or an expiry closes it at the edge,
 * a resume opens it again, and the end of the journey (rejected, expired, failed, cancelled) closes
 * it for good. Artifacts (certificates, clients, allowlists) may exist before; access may not.
 *
 * One reconciler per run converges the edge on that, one change at a time, each an idempotent
 * activity with a write key from the grant's change count, so a retried or replayed change applies
 * once and a crash mid-way converges on the next attempt.
 */
import { ActivityFailure, ApplicationFailure, CancellationScope, condition, log, workflowInfo } from '@temporalio/workflow';
import { about, activitiesFor } from './summaries';
import type { NetworkActivities } from '../../activities';
import type { AccessGrant, OnboardingStatus } from '../state';
import type { Environment } from '../vocabulary';
import { type JourneyState, nowIso } from './state';

const network = activitiesFor<NetworkActivities>({
  startToCloseTimeout: '1 minute',
  // The gateway being down is waited out; a configuration nginx refuses is not retried (GATEWAY_CONFIG_REFUSED).
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/** States in which the journey has ended: nothing is admitted any more. */
const ended: readonly OnboardingStatus['state'][] = ['completed', 'rejected', 'failed', 'cancelled'];

/** Whether the edge should admit the participant in the grant's environment now. */
export function shouldAdmit(status: OnboardingStatus, grant: AccessGrant, ending: boolean): boolean {
  return grant.grantedAt !== null && !ending && status.halt === null && !ended.includes(status.state);
}

/** The reconciler of one run; the journey owns it. */
export class AccessControl {
  /** Set once the journey ends (or is cancelled): every grant closes, and stays closed. */
  private ending = false;
  private started = false;
  /** Changes the gateway refused for good (counted, so an ending journey does not wait on one forever). */
  private failures = 0;

  constructor(private readonly state: JourneyState) {}

  private get status(): OnboardingStatus {
    return this.state.status;
  }

  /** The grant of an environment, created closed the first time it is asked for. */
  private grantOf(environment: Environment): AccessGrant {
    let grant = this.status.access.find((g) => g.environment === environment);
    if (grant === undefined) {
      grant = { environment, grantedBy: null, grantedAt: null, edge: 'closed', since: nowIso(), revision: null, changes: 0 };
      this.status.access.push(grant);
    }
    return grant;
  }

  /** The first grant whose edge state differs from what the journey says, if any. */
  private pending(): AccessGrant | undefined {
    return this.status.access.find((g) => (g.edge === 'open') !== shouldAdmit(this.status, g, this.ending));
  }

  /** Starts converging the edge (once per run: a run continued as new starts its own). */
  start(): void {
    if (this.started) return;
    this.started = true;
    // Not cancellable: a cancelled onboarding still closes its access at the edge (`close` in `Journey.run`).
    void CancellationScope.nonCancellable(() => this.reconcile()).catch((err: unknown) =>
      log.warn('access reconciler stopped', { error: String(err) }),
    );
  }

  /**
   * The journey grants the environment's access (`reason`: the steps or the gate that earned it),
   * and waits until the edge admits the participant — or until it may not (halted meanwhile).
   */
  async open(environment: Environment, reason: string): Promise<void> {
    this.start();
    const grant = this.grantOf(environment);
    if (grant.grantedAt === null) {
      grant.grantedAt = nowIso();
      grant.grantedBy = reason;
      this.state.transition({ note: `access@${environment}: granted (${reason})` });
    }
    await condition(() => grant.edge === 'open' || !shouldAdmit(this.status, grant, this.ending));
  }

  /**
   * The journey ends: every grant closes at the edge before the run completes — or, should the
   * gateway refuse the change for good, the failure is in the history for ops and the journey ends.
   */
  async close(): Promise<void> {
    this.ending = true;
    if (this.status.access.some((g) => g.edge === 'open')) {
      this.start();
      const before = this.failures;
      await condition(() => this.pending() === undefined || this.failures > before);
    }
  }

  private async reconcile(): Promise<void> {
    for (;;) {
      await condition(() => this.pending() !== undefined);
      const grant = this.pending() as AccessGrant;
      const admit = shouldAdmit(this.status, grant, this.ending);
      const writeKey = `${workflowInfo().workflowId}/access@${grant.environment}/${grant.changes + 1}`;
      const input = { participantId: this.status.participantId, environment: grant.environment, writeKey };
      try {
        const change = await about(`access@${grant.environment} change ${grant.changes + 1}`, () =>
          admit ? network.grantGatewayAccess({ ...input, reason: grant.grantedBy ?? 'granted' }) : network.revokeGatewayAccess(input),
        );
        grant.changes += 1;
        grant.edge = admit ? 'open' : 'closed';
        grant.since = nowIso();
        grant.revision = change.revision;
        this.state.transition({ note: `access@${grant.environment}: ${grant.edge} at the edge (revision ${change.revision})` });
      } catch (err) {
        // Retries are spent only on a configuration the gateway refuses: ops must look; the next change tries again.
        const type = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.type : null;
        grant.changes += 1;
        this.failures += 1;
        this.state.transition({ note: `access@${grant.environment}: ${admit ? 'opening' : 'closing'} failed (${type ?? 'error'})` });
        log.error('gateway access change failed', { environment: grant.environment, admit, type });
        await condition(() => this.pending() !== grant || shouldAdmit(this.status, grant, this.ending) !== admit);
      }
    }
  }
}
