import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { OnboardingPort } from '../onboarding-gateway';
import { ApiError, problemBody, sendProblem } from '../errors';
import { healthSchema, problems, readySchema } from '../schemas/responses';

export interface HealthRoutesOptions {
  gateway: OnboardingPort;
  readinessTimeoutMs?: number;
}

export const healthRoutes: FastifyPluginAsyncZod<HealthRoutesOptions> = async (app, opts) => {
  /** Liveness: the process serves requests. */
  app.get('/healthz', { schema: { response: { 200: healthSchema, ...problems } }, config: { public: true } }, async () => ({
    status: 'ok' as const,
  }));

  /** Readiness: Temporal answers within the timeout and a worker polls the task queue. */
  app.get('/readyz', { schema: { response: { 200: readySchema, ...problems } }, config: { public: true } }, async (request, reply) => {
    try {
      await opts.gateway.ping(opts.readinessTimeoutMs ?? 2000);
      return { status: 'ready' as const };
    } catch (err) {
      request.log.warn({ err }, 'not ready');
      const detail = err instanceof ApiError ? err.detail : 'Temporal did not answer';
      return sendProblem(reply.header('retry-after', '5'), problemBody('TEMPORAL_UNAVAILABLE', detail));
    }
  });
};
