import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { UatRuns } from '../../activities/uat/uat-runs';
import { environments } from '../../workflows/messages';
import { access } from '../auth';
import { ApiError } from '../errors';
import type { OnboardingPort } from '../onboarding-gateway';
import { participantParamsSchema } from '../schemas/onboardings';
import { problems } from '../schemas/responses';

/** Where the API reads the runs' evidence (the registry). */
export type UatRunEvidenceStore = Pick<UatRuns, 'list' | 'document'>;

export interface UatRunRoutesOptions {
  gateway: OnboardingPort;
  runs: UatRunEvidenceStore;
}

const runSummarySchema = z.object({
  runId: z.string(),
  outcome: z.enum(['passed', 'failed', 'skipped']),
  summary: z.string(),
  collection: z.string().nullable(),
  assertions: z.object({ passed: z.number().int(), total: z.number().int() }),
  testCases: z.array(z.object({ name: z.string(), passed: z.number().int(), total: z.number().int() })),
  failures: z.array(z.string()),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
const runSchema = z.object({
  runId: z.string(),
  environment: z.enum(environments),
  round: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string(),
  summary: runSummarySchema,
  /** Where the result and report are. */
  links: z.object({ json: z.string(), html: z.string() }),
});

const runParamsSchema = participantParamsSchema.extend({ runId: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/) });

/**
 * The evidence of the hub's UAT runs (the participant and staff): each round's run with its counts,
 * and TTK's JSON result and HTML assertion report as made (credential headers redacted).
 */
export const uatRunRoutes: FastifyPluginAsyncZod<UatRunRoutesOptions> = async (app, { gateway, runs }) => {
  const participantOf = (request: { params: unknown }) => (request.params as { participantId?: string }).participantId;
  const known = async (participantId: string) => {
    const { onboarding } = await gateway.status(participantId);
    if (onboarding === null) throw new ApiError('ONBOARDING_NOT_FOUND', `No onboarding for ${participantId}`);
  };
  const base = (participantId: string, runId: string) => `/onboardings/${encodeURIComponent(participantId)}/uat-runs/${runId}`;

  /** The onboarding's UAT runs, newest first. */
  app.get(
    '/onboardings/:participantId/uat-runs',
    {
      schema: { params: participantParamsSchema, response: { 200: z.object({ runs: z.array(runSchema) }), ...problems } },
      config: { authorize: (p, request) => access.readOnboarding(p, participantOf(request)) },
    },
    async (request) => {
      const { participantId } = request.params;
      await known(participantId);
      const list = await runs.list(participantId);
      return {
        runs: list.map((r) => ({
          runId: r.runId,
          environment: r.environment as (typeof environments)[number],
          round: r.round,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
          summary: r.summary,
          links: { json: `${base(participantId, r.runId)}?format=json`, html: `${base(participantId, r.runId)}?format=html` },
        })),
      };
    },
  );

  /** One run's evidence: TTK's JSON result (default) or its HTML report (`format=html`), as a download. */
  app.get(
    '/onboardings/:participantId/uat-runs/:runId',
    {
      schema: {
        params: runParamsSchema,
        querystring: z.strictObject({ format: z.enum(['json', 'html']).default('json') }),
        response: { 200: z.any(), ...problems },
      },
      config: { authorize: (p, request) => access.readOnboarding(p, participantOf(request)) },
    },
    async (request, reply) => {
      const { participantId, runId } = request.params;
      await known(participantId);
      const format = request.query.format;
      const document = await runs.document(participantId, runId, format);
      if (document === null) throw new ApiError('UAT_RUN_NOT_FOUND', `No UAT run ${runId} for ${participantId}`);
      return (
        reply
          .type(format === 'json' ? 'application/json' : 'text/html; charset=utf-8')
          .header('content-disposition', `attachment; filename="${runId}.${format}"`)
          .header('cache-control', 'no-store')
          // The report is TTK's HTML with the DFSP's data in it: never run as a page of the API's origin.
          .header('content-security-policy', 'sandbox')
          .send(document)
      );
    },
  );
};
