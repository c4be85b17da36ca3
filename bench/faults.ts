/**
 * `npm run bench:faults [-- --runs 20] [--faults worker-kill,api-kill] [--kinds dfsp] [--layout multi]`: the fault campaign (bench/fault-campaign.ts) — complete
 * DFSP, TPP and bank onboardings through `npm start`'s stack, one fault each, every artifact checked to
 * exist once — and its table: runs, reached live, the longest stall per fault kind, 5xx answers,
 * duplicates. Targets: 100 % live, 0 duplicates (mail included), every stall ≤ 15 s except a
 * Temporal restart. `--layout multi`: a second worker and a second API process beside npm start's,
 * every process on a PostgreSQL registry (a throw-away server started here), the faults
 * `apply-worker-kill` and `peer-api-kill` by default.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDatabase, startPostgres } from '../scripts/postgres';
import { freePort } from '../scripts/dev-server';
import { stopOnSignal } from './stats';
import { type FaultKind, faultKinds, formatReport, type JourneyKind, multiProcessFaultKinds, runCampaign } from './fault-campaign';

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
  const layout = list('--layout')?.[0] ?? 'single';
  if (layout !== 'single' && layout !== 'multi') throw new Error('--layout takes single or multi');
  const known: readonly string[] = layout === 'multi' ? [...faultKinds, ...multiProcessFaultKinds] : faultKinds;
  for (const f of faults ?? []) if (!known.includes(f)) throw new Error(`--faults: ${f} is not one of ${known.join(', ')}`);
  for (const k of kinds ?? []) if (!['tpp', 'bank', 'dfsp'].includes(k)) throw new Error(`--kinds: ${k} is not one of tpp, bank, dfsp`);
  const t0 = Date.now();
  const pgDir = layout === 'multi' ? mkdtempSync(path.join(tmpdir(), 'faults-postgres-')) : null;
  const postgres = pgDir === null ? null : await startPostgres(pgDir, await freePort());
  if (postgres !== null) stopOnSignal(() => postgres.stop());
  const report = await runCampaign({
    runs,
    ...(faults ? { faults: faults as FaultKind[] } : layout === 'multi' ? { faults: multiProcessFaultKinds } : {}),
    ...(kinds ? { kinds: kinds as JourneyKind[] } : {}),
    ...(postgres === null ? {} : { layout: 'multi' as const, registryUrl: await createDatabase(postgres.url(), 'fault_campaign') }),
  }).finally(async () => {
    await postgres?.stop();
    if (pgDir !== null) rmSync(pgDir, { recursive: true, force: true });
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
