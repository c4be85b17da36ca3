/**
 * `npm run bench:faults [-- --runs 20] [--faults worker-kill,api-kill] [--kinds dfsp]`: the fault campaign (bench/fault-campaign.ts) — complete
 * DFSP, TPP and bank onboardings through `npm start`'s stack, one fault each, every artifact checked to
 * exist once — and its table: runs, reached live, the longest stall per fault kind, 5xx answers,
 * duplicates. Targets: 100 % live, 0 duplicates (mail included), every stall ≤ 15 s except a
 * Temporal restart.
 */
import { type FaultKind, faultKinds, formatReport, type JourneyKind, runCampaign } from './fault-campaign';

async function main(): Promise<void> {
  const at = process.argv.indexOf('--runs');
  const runs = at > 0 ? Number(process.argv[at + 1]) : 20;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a positive whole number');
  const list = (flag: string): string[] | undefined => {
    const i = process.argv.indexOf(flag);
    return i > 0 ? String(process.argv[i + 1] ?? '').split(',') : undefined;
  };
  const faults = list('--faults');
  const kinds = list('--kinds');
  for (const f of faults ?? [])
    if (!(faultKinds as readonly string[]).includes(f)) throw new Error(`--faults: ${f} is not one of ${faultKinds.join(', ')}`);
  for (const k of kinds ?? []) if (!['tpp', 'bank', 'dfsp'].includes(k)) throw new Error(`--kinds: ${k} is not one of tpp, bank, dfsp`);
  const t0 = Date.now();
  const report = await runCampaign({
    runs,
    ...(faults ? { faults: faults as FaultKind[] } : {}),
    ...(kinds ? { kinds: kinds as JourneyKind[] } : {}),
  });
  process.stdout.write(`\n${formatReport(report)}\ncampaign: ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  const stallsOk = report.runs.every((r) => r.fault === 'temporal-kill' || (r.stallSeconds ?? 0) <= 15);
  const ok =
    report.runs.every((r) => r.live) &&
    report.answers5xx === 0 &&
    stallsOk &&
    Object.entries(report.duplicates).every(([k, v]) => k === 'mailResent' || typeof v !== 'number' || v === 0);
  process.stdout.write(ok ? 'targets met\n' : 'targets NOT met\n');
  process.exit(ok ? 0 : 1);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
