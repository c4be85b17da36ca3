/**
 * Many processes on one Temporal and one PostgreSQL (bench/fault-campaign.ts, `layout: 'multi'`):
 * npm start's stack plus a second worker and a second API process started with the same
 * environment, every process (workers, APIs, edge, gateway, authorization server) on one
 * PostgreSQL registry, staff requests spread over both APIs. Full onboardings run across them; in
 * one the worker holding the gateway's writer lock is SIGKILLed while it applies a production
 * allowlist, in another the second API process is SIGKILLed mid-request. Every onboarding reaches
 * live, every artifact exists once (registry, central-ledger, the gateway's live configuration and
 * the revision it serves, Mailpit, the workflow's record), no 5xx but 503s, every stall ≤ 15 s.
 */
import { formatReport, runCampaign } from '../../bench/fault-campaign';
import { newTestDatabase } from '../support/postgres';

jest.setTimeout(900_000);

it('runs full onboardings over two workers and two API processes on PostgreSQL through a worker killed mid-apply and an API killed mid-request', async () => {
  const lines: string[] = [];
  const report = await runCampaign({
    runs: 3,
    layout: 'multi',
    registryUrl: await newTestDatabase('multi_process'),
    faults: ['apply-worker-kill', 'peer-api-kill', 'apply-worker-kill'],
    kinds: ['dfsp', 'bank', 'tpp'],
    log: (line) => lines.push(line),
  });
  const table = formatReport(report);
  const log = lines.join('\n');
  expect({ live: report.runs.filter((r) => r.live).length, table, log }).toEqual({ live: 3, table, log });
  expect(report.runs.map((r) => [r.kind, r.fault])).toEqual([
    ['dfsp', 'apply-worker-kill'],
    ['bank', 'peer-api-kill'],
    ['tpp', 'apply-worker-kill'],
  ]);
  // Each fault struck as named: a worker that held the gateway's lock, the second API with a request in flight.
  expect(lines.filter((l) => /apply-worker-kill \((first|second) worker, pid \d+\) during ip-allowlist@production/.test(l))).toHaveLength(
    2,
  );
  expect(lines.filter((l) => /peer-api-kill \(pid \d+\) mid-request/.test(l))).toHaveLength(1);
  expect(report.answers5xx).toBe(0);
  expect(report.duplicates).toEqual({
    mail: 0,
    registry: 0,
    ledger: 0,
    gateway: 0,
    history: 0,
    details: [],
    mailResent: expect.any(Number),
  });
  const stalls = report.runs.map((r) => [r.fault, r.stallSeconds !== null && r.stallSeconds <= 15]);
  expect({ stalls, table, log }).toEqual({ stalls: report.runs.map((r) => [r.fault, true]), table, log });
});
