import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { OnboardingPort } from '../onboarding-gateway';
import {
  certificateBundleBodySchema,
  gateDecisionBodySchema,
  idempotencyHeadersSchema,
  participantParamsSchema,
  startOnboardingBodySchema,
} from '../schemas/onboardings';

export interface OnboardingRoutesOptions {
  gateway: OnboardingPort;
}

export const onboardingRoutes: FastifyPluginAsyncZod<OnboardingRoutesOptions> = async (app, { gateway }) => {
  app.post('/onboardings', { schema: { body: startOnboardingBodySchema } }, async (request, reply) => {
    const { created, view } = await gateway.start(request.body);
    const location = `/onboardings/${view.onboarding.participantId}`;
    return reply.code(created ? 201 : 200).header('location', location).send(view);
  });

  app.get('/onboardings/:participantId', { schema: { params: participantParamsSchema } }, async (request) =>
    gateway.status(request.params.participantId),
  );

  app.post(
    '/onboardings/:participantId/approvals',
    { schema: { params: participantParamsSchema, body: gateDecisionBodySchema, headers: idempotencyHeadersSchema } },
    async (request) => {
      const decision = await gateway.decide(
        request.params.participantId,
        request.body,
        request.headers['idempotency-key'],
      );
      return { decision, ...(await gateway.status(request.params.participantId)) };
    },
  );

  /**
   * The participant's certificate bundle for the open certificate review: 200 with the report when
   * accepted; 422 SUBMISSION_REFUSED with the report (findings) in `context.report` when not — fix
   * and send again, as often as needed.
   */
  app.post(
    '/onboardings/:participantId/submissions/certificate-bundle',
    { schema: { params: participantParamsSchema, body: certificateBundleBodySchema, headers: idempotencyHeadersSchema } },
    async (request) => {
      const { pem, environment, submittedBy } = request.body;
      const outcome = await gateway.submit(
        request.params.participantId,
        { name: 'certificate-bundle', submittedBy, payload: { pem }, ...(environment ? { environment } : {}) },
        request.headers['idempotency-key'],
      );
      return { submission: outcome.instance, report: outcome.report, ...(await gateway.status(request.params.participantId)) };
    },
  );
};
