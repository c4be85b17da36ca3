import type { FastifyPluginAsync } from 'fastify';
import type { OnboardingPort } from '../onboarding-gateway';
import { ApiError, problemBody, sendProblem } from '../errors';

export interface HealthRoutesOptions {
  gateway: OnboardingPort;
  readinessTimeoutMs?: number;
}

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, opts) => {
  /** Liveness: the process serves requests. */
  app.get('/healthz', { config: { public: true } }, async () => ({ status: 'ok' }));

  /** Readiness: Temporal answers within the timeout and a worker polls the task queue. */
  app.get('/readyz', { config: { public: true } }, async (request, reply) => {
    try {
      await opts.gateway.ping(opts.readinessTimeoutMs ?? 2000);
      return { status: 'ready' };
    } catch (err) {
      request.log.warn({ err }, 'not ready');
      const detail = err instanceof ApiError ? err.detail : 'Temporal did not answer';
      return sendProblem(reply.header('retry-after', '5'), problemBody('TEMPORAL_UNAVAILABLE', detail));
    }
  });
};
