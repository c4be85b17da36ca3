/**
 * The evidence of the hub's UAT runs: one row per run (its id is the gate round's write key), with
 * the summary the gate shows, TTK's JSON result and its HTML report. Ops and the participant
 * download them through the API; a retried activity finds its row and does not run again.
 */
import type { Kysely } from 'kysely';
import type { UatRunResult } from '../../workflows/messages';
import type { RegistrySchema } from '../registry/schema';

export interface UatRunEvidence {
  runId: string;
  participantId: string;
  environment: string;
  round: number;
  summary: UatRunResult;
  startedAt: string;
  finishedAt: string;
}

/** What a run's listing reads (not the result and report). */
const summaryColumns = ['runId', 'participantId', 'environment', 'round', 'summaryJson', 'startedAt', 'finishedAt'] as const;

export class UatRuns {
  constructor(private readonly db: Kysely<RegistrySchema>) {}

  /** Keeps a finished run once (a second record of the same run id keeps the first). */
  async record(run: UatRunEvidence & { resultJson: string; reportHtml: string }): Promise<void> {
    await this.db
      .insertInto('uatRuns')
      .values({
        runId: run.runId,
        participantId: run.participantId,
        environment: run.environment,
        round: run.round,
        summaryJson: JSON.stringify(run.summary),
        resultJson: run.resultJson,
        reportHtml: run.reportHtml,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
      })
      .onConflict((oc) => oc.column('runId').doNothing())
      .execute();
  }

  async find(runId: string): Promise<UatRunEvidence | null> {
    const row = await this.db.selectFrom('uatRuns').select(summaryColumns).where('runId', '=', runId).executeTakeFirst();
    return row ? evidenceOf(row) : null;
  }

  /** A participant's runs, newest round first. */
  async list(participantId: string): Promise<UatRunEvidence[]> {
    const rows = await this.db
      .selectFrom('uatRuns')
      .select(summaryColumns)
      .where('participantId', '=', participantId)
      .orderBy('finishedAt', 'desc')
      .execute();
    return rows.map(evidenceOf);
  }

  /** The run's JSON result or HTML report, when the run is this participant's. */
  async document(participantId: string, runId: string, format: 'json' | 'html'): Promise<string | null> {
    const row = await this.db
      .selectFrom('uatRuns')
      .select(['resultJson', 'reportHtml'])
      .where('runId', '=', runId)
      .where('participantId', '=', participantId)
      .executeTakeFirst();
    if (!row) return null;
    return format === 'json' ? row.resultJson : row.reportHtml;
  }
}

function evidenceOf(row: {
  runId: string;
  participantId: string;
  environment: string;
  round: number;
  summaryJson: string;
  startedAt: string;
  finishedAt: string;
}): UatRunEvidence {
  const { summaryJson, ...rest } = row;
  return { ...rest, summary: JSON.parse(summaryJson) as UatRunResult };
}
