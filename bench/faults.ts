/**
 * `npm run bench:faults [-- --runs 20]`: the fault campaign (bench/fault-campaign.ts) — complete
 * DFSP, TPP and bank onboardings through `npm start`'s stack, one fault each, every artifact checked to
 * exist once — and its table: runs, reached live, the longest stall per fault kind, 5xx answers,
 * duplicates. Targets: 100 % live, 0 duplicates (mail included), every stall ≤ 15 s except a
 * Temporal restart.
 */
import { formatReport, runCampaign } from './fault-campaign';

async function main(): Promise<void> {
  const at = process.argv.indexOf('--runs');
  const runs = at > 0 ? Number(process.argv[at + 1]) : 20;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive whole number');
  const t0 = Date.now();
  const report = await runCampaign({ runs });
  process.stdout.write(`\n${formatReport(report)}\ncampaign: ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  const stallsOk = report.runs.every((r) => r.fault === 'temporal-kill' || (r.stallSeconds ?? 0) <= 15);
  const ok =
    report.runs.every((r) => r.live) &&
    report.answers5xx === 0 &&
    stallsOk &&
    Object.values(report.duplicates).every((v) => typeof v !== 'number' || v === 0);
  process.stdout.write(ok ? 'targets met\n' : 'targets NOT met\n');
  process.exit(ok ? 0 : 1);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
