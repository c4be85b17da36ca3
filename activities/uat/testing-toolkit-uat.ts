/**
 * The hub's automated UAT: the scheme's collection (collections/dfsp-p2p-happy-path.json, TTK's
 * DFSP happy path with UUIDs) run by the Testing Toolkit as the payer FSP (the hub's FSP id, its
 * requests signed with the hub's JWS key) against the DFSP's sandbox endpoints — every request
 * aimed at the edge's egress for that DFSP, so the run goes the way the switch's own calls go:
 * hub client certificate, proven routes, access granted. The DFSP's callbacks come back through the
 * gateway and the edge to TTK, which asserts on them.
 *
 * The run lives in TTK's process (scripts/testing-toolkit-runner.ts), by the run id: asking again
 * for a run in progress or finished answers that run, so a worker killed mid-run collects it on the
 * next attempt without a second run. Finished runs are kept in the registry (UatRuns) with TTK's
 * JSON result and HTML report; a run found there is not asked for again.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { UatRunResult } from '../../workflows/messages';
import { DomainError } from '../domain-error';
import type { UatRuns } from './uat-runs';

export interface UatRunRequest {
  /** Unique per gate round and onboarding run: the runner's key. */
  runId: string;
  participantId: string;
  environment: string;
  round: number;
  /** The DFSP's FSP id (its participant id). */
  fspId: string;
  /** The party the DFSP keeps for tests in this environment; null: none registered. */
  party: { idType: string; idValue: string } | null;
  currency: string;
}

export interface UatRunnerSettings {
  /** TTK's admin API (the runner's routes are there). */
  adminUrl: string;
  /** The edge's egress (`http://host:port`). */
  egressUrl: string;
  /** The FSP id the hub signs FSPIOP as (HUB_FSP_ID): the payer in the run. */
  hubFspId: string;
  /** The hub's current JWS signing key (DATA_DIR/jws/hub-jws.key). */
  hubJwsKeyFile: string;
  /** The transfer amount of the run. */
  amount: string;
  pollMs: number;
  /** How long one call to the runner may take. */
  timeoutMs: number;
}

/** How the run waits on the runner: the activity's heartbeat and its cancellable sleep. */
export interface UatWaiting {
  heartbeat(): void;
  sleep(ms: number): Promise<void>;
}

export const uatCollectionFile = path.join(__dirname, 'collections', 'dfsp-p2p-happy-path.json');

interface Assertion {
  id: number;
  description: string;
  resultStatus?: { status?: string; message?: string };
}
interface ResultRequest {
  request?: { description?: string; tests?: { assertions?: Assertion[]; passedAssertionsCount?: number } };
}
interface TtkResult {
  name?: string;
  test_cases?: { name?: string; requests?: ResultRequest[] }[];
  runtimeInformation?: { totalAssertions?: number; totalPassedAssertions?: number };
}
interface Collection {
  name: string;
  inputValues: Record<string, string>;
  test_cases: { requests: Record<string, unknown>[] }[];
}

/** The collection as this DFSP's run sends it: inputs filled, each request aimed at the egress for the DFSP. */
export function uatTemplate(
  collection: Collection,
  request: UatRunRequest,
  settings: Pick<UatRunnerSettings, 'egressUrl' | 'hubFspId' | 'amount'>,
) {
  const party = request.party ?? { idType: '', idValue: '' };
  const url = `${settings.egressUrl.replace(/\/+$/, '')}/${encodeURIComponent(request.environment)}/${encodeURIComponent(request.fspId)}`;
  return {
    name: `${collection.name}: ${request.fspId} ${request.environment} round ${request.round}`,
    inputValues: {
      ...collection.inputValues,
      fromFspId: settings.hubFspId,
      toFspId: request.fspId,
      toIdType: party.idType,
      toIdValue: party.idValue,
      currency: request.currency,
      amount: settings.amount,
      homeTransactionId: request.runId,
    },
    test_cases: collection.test_cases.map((tc) => ({ ...tc, requests: tc.requests.map((r) => ({ ...r, url })) })),
  };
}

/** The counts and first failures of TTK's result. */
export function summariseUatResult(result: unknown): Pick<UatRunResult, 'outcome' | 'assertions' | 'testCases' | 'failures' | 'summary'> {
  const r = (result ?? {}) as TtkResult;
  const testCases = (r.test_cases ?? []).map((tc) => {
    let passed = 0;
    let total = 0;
    for (const req of tc.requests ?? []) {
      for (const a of req.request?.tests?.assertions ?? []) {
        total += 1;
        if (a.resultStatus?.status === 'SUCCESS') passed += 1;
      }
    }
    return { name: tc.name ?? '(unnamed)', passed, total };
  });
  const failures: string[] = [];
  for (const tc of r.test_cases ?? []) {
    for (const req of tc.requests ?? []) {
      for (const a of req.request?.tests?.assertions ?? []) {
        if (a.resultStatus?.status !== 'SUCCESS' && failures.length < 10)
          failures.push(`${req.request?.description ?? 'request'}: ${a.description}`);
      }
    }
  }
  const passed = testCases.reduce((n, tc) => n + tc.passed, 0);
  const total = testCases.reduce((n, tc) => n + tc.total, 0);
  const outcome = total > 0 && passed === total ? 'passed' : 'failed';
  const summary =
    outcome === 'passed'
      ? `${passed} of ${total} assertions passed`
      : `${passed} of ${total} assertions passed; ${total - passed} failed${failures.length > 0 ? `, first: ${failures[0]}` : ''}`;
  return { outcome, assertions: { passed, total }, testCases, failures, summary };
}

export class TestingToolkitUat {
  constructor(
    private readonly settings: UatRunnerSettings,
    private readonly runs: UatRuns,
  ) {}

  /**
   * Runs (or collects) the DFSP's UAT run. While it waits it heartbeats and sleeps through
   * `waiting` (the activity's: a cancelled or shut-down activity stops waiting, the run goes on).
   */
  async run(request: UatRunRequest, waiting: UatWaiting): Promise<UatRunResult> {
    const kept = await this.runs.find(request.runId);
    if (kept) return kept.summary;
    const collection = JSON.parse(await readFile(uatCollectionFile, 'utf8')) as Collection;
    if (request.party === null)
      return skipped(request.runId, collection.name, 'the registration names no sandbox test party (uatParty) to run against');
    const template = uatTemplate(collection, request, this.settings);
    const jwsSigningKeyPem = await readFile(this.settings.hubJwsKeyFile, 'utf8');
    await this.call('PUT', `/hub/uat-runs/${encodeURIComponent(request.runId)}`, { template, jwsSigningKeyPem });
    for (;;) {
      waiting.heartbeat();
      const run = JSON.parse(await this.call('GET', `/hub/uat-runs/${encodeURIComponent(request.runId)}`)) as {
        state: 'running' | 'done' | 'failed';
        startedAt: string;
        finishedAt: string | null;
        result?: unknown;
        error?: string;
      };
      if (run.state === 'failed') {
        throw new DomainError(
          'UAT_RUN_FAILED',
          `the Testing Toolkit could not carry out UAT run ${request.runId}: ${run.error ?? 'no reason given'}`,
        );
      }
      if (run.state === 'done') {
        const reportHtml = await this.call('GET', `/hub/uat-runs/${encodeURIComponent(request.runId)}/report.html`);
        const summary: UatRunResult = {
          runId: request.runId,
          collection: collection.name,
          startedAt: run.startedAt,
          finishedAt: run.finishedAt,
          ...summariseUatResult(run.result),
        };
        await this.runs.record({
          runId: request.runId,
          participantId: request.participantId,
          environment: request.environment,
          round: request.round,
          summary,
          startedAt: run.startedAt,
          finishedAt: run.finishedAt ?? new Date().toISOString(),
          resultJson: JSON.stringify(run.result),
          reportHtml,
        });
        return summary;
      }
      await waiting.sleep(this.settings.pollMs);
    }
  }

  private async call(method: 'PUT' | 'GET', route: string, body?: unknown): Promise<string> {
    let res: Response;
    try {
      res = await fetch(`${this.settings.adminUrl.replace(/\/+$/, '')}${route}`, {
        method,
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.settings.timeoutMs),
      });
    } catch (err) {
      throw new DomainError(
        'UAT_RUNNER_UNAVAILABLE',
        `the UAT runner at ${this.settings.adminUrl} did not answer ${method} ${route}: ${(err as Error).message}`,
      );
    }
    const text = await res.text();
    if (res.status >= 500) throw new DomainError('UAT_RUNNER_UNAVAILABLE', `the UAT runner answered ${method} ${route} with ${res.status}`);
    if (!res.ok)
      throw new DomainError('UAT_RUN_FAILED', `the UAT runner refused ${method} ${route} (${res.status}): ${text.slice(0, 300)}`);
    return text;
  }
}

/** A run with nothing to run against: the gate shows why. */
export function skipped(runId: string, collection: string | null, reason: string): UatRunResult {
  return {
    runId,
    outcome: 'skipped',
    summary: `not run: ${reason}`,
    collection,
    assertions: { passed: 0, total: 0 },
    testCases: [],
    failures: [],
    startedAt: null,
    finishedAt: null,
  };
}
