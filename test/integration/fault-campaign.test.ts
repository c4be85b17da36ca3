/**
 * The fault campaign's short form (bench/fault-campaign.ts; the full one is `npm run bench:faults`):
 * one complete onboarding per fault kind (DFSPs, TPPs and banks) through the stack as `npm start` runs it — worker SIGKILL,
 * API SIGKILL mid-request, nginx master SIGKILL during an allowlist apply, authorization-server
 * SIGKILL, Temporal dev server SIGKILL, Kafka and central-ledger paused for 20 s during a DFSP's ledger
 * set-up — every one reaches live, every artifact exists once (mail and the ledger included), no 5xx
 * but honest 503s, every stall ≤ 15 s except Temporal's restart (the ledger's counted from its resume).
 */
import { faultKinds, formatReport, ledgerStopSeconds, runCampaign } from '../../bench/fault-campaign';

jest.setTimeout(900_000);

it('takes one onboarding per fault kind to live, with every artifact once and every stall within 15 s', async () => {
  const lines: string[] = [];
  const report = await runCampaign({ runs: faultKinds.length, log: (line) => lines.push(line) });
  const table = formatReport(report);
  // On failure, the table and the campaign's log say what broke.
  expect({ live: report.runs.filter((r) => r.live).length, table }).toEqual({ live: faultKinds.length, table });
  expect(report.runs.map((r) => r.fault).sort()).toEqual([...faultKinds].sort());
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
  // The pause did hold the DFSP's ledger set-up (it took at least the pause), and the journey went on after it.
  const paused = report.runs.find((r) => r.fault === 'ledger-stop');
  expect(paused?.ledgerTaskSeconds).toBeGreaterThanOrEqual(ledgerStopSeconds - 2);
  for (const run of report.runs) {
    expect([run.fault, run.stallSeconds !== null]).toEqual([run.fault, true]);
    if (run.fault !== 'temporal-kill') expect([run.fault, (run.stallSeconds ?? 99) <= 15]).toEqual([run.fault, true]);
  }
  void lines;
});
