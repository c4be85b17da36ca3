import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiKeyStore, IssuedApiKey } from '../api-keys';
import { access, type Principal } from '../auth';
import { participantParamsSchema } from '../schemas/onboardings';
import { problems } from '../schemas/responses';
import { text } from '../schemas/text';

export interface ApiKeyRoutesOptions {
  store: Pick<ApiKeyStore, 'issueParticipantKey' | 'list' | 'rotate' | 'revoke'>;
  /** The API's address as participants reach it: the invitation names it. */
  publicUrl: string;
}

const apiKeySchema = z.object({
  keyId: z.string(),
  name: z.string(),
  grants: z.array(z.string()),
  participantId: z.string().nullable(),
  source: z.enum(['api', 'file']),
  createdAt: z.string(),
  createdBy: z.string(),
  state: z.enum(['active', 'revoked']),
  revokedAt: z.string().nullable(),
  revokedBy: z.string().nullable(),
  revokedReason: z.string().nullable(),
  replacedBy: z.string().nullable(),
});

const issuedSchema = z.object({
  apiKey: apiKeySchema,
  /** The key itself: in this answer only, stored nowhere (the hub keeps its SHA-256). */
  secret: z.object({ value: z.string(), shownOnce: z.literal(true) }),
  /** What to hand the participant's engineers: the kit command that sets their folder up with this key. */
  invitation: z.object({ apiUrl: z.string(), participantId: z.string(), command: z.string(), env: z.record(z.string(), z.string()) }),
});

const keyParamsSchema = participantParamsSchema.extend({ keyId: z.string().regex(/^key_[A-Za-z0-9_-]{1,40}$/, 'an API key id (key_…)') });
const labelSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, 'lower-case letters, digits, ".", "_" or "-", at most 40')
  .default('kit');
const issueBodySchema = z.strictObject({
  /** Names the principal: `<label>@<participantId>` is what its submissions record. */
  label: labelSchema,
});
const reasonBodySchema = z.strictObject({ reason: text({ min: 1, max: 500 }) });

/**
 * Participants' API keys, managed by operators: issue (shown once, with the kit's invitation),
 * list, rotate (the old key stops at once), revoke. Only participant keys are made here — a key
 * with staff grants comes from the key file or the identity provider, so an operator cannot mint
 * an approver. Effective at once in every API process (the registry is read per request).
 */
export const apiKeyRoutes: FastifyPluginAsyncZod<ApiKeyRoutesOptions> = async (app, { store, publicUrl }) => {
  /** A key just made: its record, the key once, and the kit command to hand the participant's engineers. */
  const issuedAnswer = (issued: IssuedApiKey, participantId: string) => ({
    apiKey: issued.view,
    secret: { value: issued.key, shownOnce: true as const },
    invitation: {
      apiUrl: publicUrl,
      participantId,
      command: `npm run kit -- init --api ${publicUrl} --participant ${participantId}`,
      env: { ONBOARDING_API_KEY: '<the key above>' },
    },
  });
  const by = (request: { principal: Principal | null }) => (request.principal as Principal).name;

  app.post(
    '/participants/:participantId/api-keys',
    {
      schema: { params: participantParamsSchema, body: issueBodySchema, response: { 201: issuedSchema, ...problems } },
      config: { authorize: (p) => access.operate(p, undefined) },
    },
    async (request, reply) => {
      const { participantId } = request.params;
      const issued = await store.issueParticipantKey(participantId, request.body.label, by(request));
      request.log.info({ keyId: issued.view.keyId, participantId, by: by(request) }, 'participant API key issued');
      return reply.code(201).send(issuedAnswer(issued, participantId));
    },
  );

  app.get(
    '/participants/:participantId/api-keys',
    {
      schema: { params: participantParamsSchema, response: { 200: z.object({ keys: z.array(apiKeySchema) }), ...problems } },
      // Staff, or the participant itself (its own keys: ids, names, states; never a key).
      config: { authorize: (p, request) => access.readOnboarding(p, (request.params as { participantId?: string }).participantId) },
    },
    async (request) => ({ keys: await store.list(request.params.participantId) }),
  );

  app.post(
    '/participants/:participantId/api-keys/:keyId/rotate',
    {
      schema: { params: keyParamsSchema, body: reasonBodySchema, response: { 201: issuedSchema, ...problems } },
      config: { authorize: (p) => access.operate(p, undefined) },
    },
    async (request, reply) => {
      const { participantId, keyId } = request.params;
      const issued = await store.rotate(participantId, keyId, by(request), request.body.reason);
      request.log.info({ keyId, replacedBy: issued.view.keyId, participantId, by: by(request) }, 'participant API key rotated');
      return reply.code(201).send(issuedAnswer(issued, participantId));
    },
  );

  app.post(
    '/participants/:participantId/api-keys/:keyId/revoke',
    {
      schema: { params: keyParamsSchema, body: reasonBodySchema, response: { 200: z.object({ apiKey: apiKeySchema }), ...problems } },
      config: { authorize: (p) => access.operate(p, undefined) },
    },
    async (request) => {
      const { participantId, keyId } = request.params;
      const apiKey = await store.revoke(participantId, keyId, by(request), request.body.reason);
      request.log.info({ keyId, participantId, by: by(request) }, 'participant API key revoked');
      return { apiKey };
    },
  );
};
