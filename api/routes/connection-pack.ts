import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { environments } from '../../workflows/messages';
import { access } from '../auth';
import { buildConnectionPack, packArchive, type ConnectionPackSources } from '../connection-pack';
import { ApiError } from '../errors';
import type { OnboardingPort } from '../onboarding-gateway';
import { participantParamsSchema } from '../schemas/onboardings';
import { problems } from '../schemas/responses';

export interface ConnectionPackRoutesOptions {
  gateway: OnboardingPort;
  sources: ConnectionPackSources;
}

const packQuerySchema = z.strictObject({
  environment: z.enum(environments).default('sandbox'),
  /** `tar.gz` (default): the archive; `json`: the same files and version as JSON. */
  format: z.enum(['tar.gz', 'json']).default('tar.gz'),
});

const changeSchema = z.object({ file: z.string(), change: z.enum(['added', 'changed', 'removed']), why: z.string() });
const versionSchema = z.object({ version: z.number().int(), createdAt: z.string(), changes: z.array(changeSchema) });
const packJsonSchema = versionSchema.extend({
  participantId: z.string(),
  environment: z.enum(environments),
  files: z.record(z.string(), z.string()),
});

export const connectionPackRoutes: FastifyPluginAsyncZod<ConnectionPackRoutesOptions> = async (app, { gateway, sources }) => {
  const participantOf = (request: { params: unknown }) => (request.params as { participantId?: string }).participantId;
  const statusOf = async (participantId: string) => {
    const { onboarding } = await gateway.status(participantId);
    if (onboarding === null) throw new ApiError('ONBOARDING_NOT_FOUND', `No onboarding for ${participantId}`);
    return onboarding;
  };

  /**
   * A DFSP's connection pack for one environment (the DFSP and staff): a gzipped tar of the TLS
   * material, the JWS keys of the hub and every live peer, the endpoints and an `.env` for
   * sdk-scheme-adapter — nothing secret. `X-Connection-Pack-Version` names its version; a new
   * version comes when a key or certificate in it changed (`/connection-pack/versions` says what).
   */
  app.get(
    '/onboardings/:participantId/connection-pack',
    {
      schema: {
        params: participantParamsSchema,
        querystring: packQuerySchema,
        response: { 200: z.union([packJsonSchema, z.any()]), ...problems },
      },
      config: { authorize: (p, request) => access.readOnboarding(p, participantOf(request)) },
    },
    async (request, reply) => {
      const pack = await buildConnectionPack(await statusOf(request.params.participantId), request.query.environment, sources);
      reply.header('x-connection-pack-version', String(pack.version)).header('cache-control', 'no-store');
      if (request.query.format === 'json') return pack;
      const name = `${pack.participantId}-${pack.environment}-v${pack.version}.tar.gz`;
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(await packArchive(pack));
    },
  );

  /** Every version of the DFSP's pack in the environment, oldest first, each with what changed from the one before. */
  app.get(
    '/onboardings/:participantId/connection-pack/versions',
    {
      schema: {
        params: participantParamsSchema,
        querystring: z.strictObject({ environment: z.enum(environments).default('sandbox') }),
        response: { 200: z.object({ versions: z.array(versionSchema) }), ...problems },
      },
      config: { authorize: (p, request) => access.readOnboarding(p, participantOf(request)) },
    },
    async (request) => {
      await statusOf(request.params.participantId);
      return { versions: await sources.versions.history(request.params.participantId, request.query.environment) };
    },
  );
};
