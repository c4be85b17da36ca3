import Fastify, { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { serializerCompiler, validatorCompiler, ZodTypeProvider } from 'fastify-type-provider-zod';
import { errorHandler, problemBody, sendProblem } from './errors';
import type { OnboardingPort } from './onboarding-gateway';
import { healthRoutes } from './routes/health';
import { onboardingRoutes } from './routes/onboardings';
import { pkiRoutes } from './routes/pki';

export interface AppDeps {
  gateway: OnboardingPort;
  logger: Logger;
  /** The hub CA chain PEM (null until the CA exists). */
  caChainPem?: () => Promise<string | null>;
  bodyLimitBytes?: number;
}

/** Builds the app without listening: tests call it with `app.inject`. */
export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.bodyLimitBytes ?? 1024 * 1024,
    // Request ids let a caller's report be found in the logs.
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      ...problemBody('ROUTE_NOT_FOUND', `${request.method} ${request.url} is not a route of this API`),
      instance: request.url,
    }),
  );

  app.register(healthRoutes, { gateway: deps.gateway });
  app.register(onboardingRoutes, { gateway: deps.gateway });
  app.register(pkiRoutes, { caChainPem: deps.caChainPem ?? (async () => null) });
  return app;
}
