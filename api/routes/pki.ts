import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkBundle } from '../../activities/pki/bundle-checks';
import { checkCsr } from '../../activities/pki/csr-checks';
import { policyFor } from '../../activities/pki/policy';
import { access } from '../auth';
import { ApiError } from '../errors';
import { certificateCheckBodySchema, csrCheckBodySchema, jwsKeysQuerySchema } from '../schemas/pki';
import { bundleReportSchema, csrReportSchema, jwsKeyDirectorySchema, pemText, problems } from '../schemas/responses';
import type { JwsKeyRecord } from '../../activities/keys/participant-keys';
import type { Environment } from '../../workflows/messages';

export interface PkiRoutesOptions {
  /** The hub CA chain (issuing CA then root) as PEM, or null while the CA does not exist yet. */
  caChainPem: () => Promise<string | null>;
  /** Every live key (staff read these). */
  jwsKeys: (environment?: Environment) => Promise<JwsKeyRecord[]>;
  /** What the participants `viewers` may see: the hub's keys, their own, their peers' where they hold a key themselves. */
  publishedJwsKeys: (viewers: string[], environment?: Environment) => Promise<JwsKeyRecord[]>;
  /** The hub's TLS server certificate and issuing CA (the gateway's), or null while there is none. */
  hubServerCertificatePem: () => Promise<string | null>;
  /** Rotates the hub's own JWS key (the old one stays valid for the overlap); absent: not offered here. */
  rotateHubJwsKey?: () => Promise<{ previousKid: string; kid: string; previousValidUntil: string }>;
}

export const pkiRoutes: FastifyPluginAsyncZod<PkiRoutesOptions> = async (app, opts) => {
  /** What participants install to trust the hub and to verify certificates it issued. */
  app.get(
    '/pki/ca',
    { schema: { response: { 200: pemText, ...problems } }, config: { authorize: (p) => access.anyone(p, undefined) } },
    async (_request, reply) => {
      const chain = await opts.caChainPem();
      if (chain === null) throw new ApiError('CA_UNAVAILABLE', 'The hub CA has not been created yet: start the worker once');
      return reply.type('application/x-pem-file').header('cache-control', 'public, max-age=300').send(chain);
    },
  );

  /**
   * The hub's TLS server certificate with its issuing CA (what the gateway presents): participants
   * pin or inspect it; `/pki/ca` is what they trust. Read fresh: the gateway's certificate is
   * reissued before it expires.
   */
  app.get(
    '/pki/hub-server-certificate',
    { schema: { response: { 200: pemText, ...problems } }, config: { authorize: (p) => access.anyone(p, undefined) } },
    async (_request, reply) => {
      const pem = await opts.hubServerCertificatePem();
      if (pem === null)
        throw new ApiError('HUB_CERTIFICATE_UNAVAILABLE', "The hub's server certificate does not exist yet: start the worker once");
      return reply.type('application/x-pem-file').header('cache-control', 'public, max-age=300').send(pem);
    },
  );

  /**
   * The hub's JWS key directory (`kid`, environment, validity, public key PEM per key) — what inbound
   * gateways install to verify FSPIOP signatures, and what DFSPs take the hub's key from. Staff see
   * every live key; a participant sees the hub's (`participantId` `@hub`), its own, and its peers'
   * in the environments where it holds a key itself (not a peer suspended or gone there) — a TPP or
   * a bank, with no key of its own, sees the hub's only.
   */
  app.get(
    '/jws-keys',
    {
      schema: { querystring: jwsKeysQuerySchema, response: { 200: jwsKeyDirectorySchema, ...problems } },
      config: { authorize: (p) => access.anyone(p, undefined) },
    },
    async (request) => {
      const { principal } = request;
      const environment = request.query.environment;
      if (principal !== null && access.readAll(principal, undefined)) return { keys: await opts.jwsKeys(environment) };
      const viewers = [...(principal?.grants ?? [])].flatMap((g) => (g.startsWith('participant:') ? [g.slice('participant:'.length)] : []));
      return { keys: await opts.publishedJwsKeys(viewers, environment) };
    },
  );

  /**
   * Rotates the hub's own JWS key (an operator, with a reason): a new key signs from now on, the
   * previous one stays in the directory for the overlap (`JWS_KEY_OVERLAP`), and every DFSP's next
   * connection pack is a new version naming "the hub's JWS key".
   */
  const rotate = opts.rotateHubJwsKey;
  if (rotate !== undefined) {
    app.post(
      '/hub/jws-key/rotations',
      {
        schema: {
          body: z.strictObject({ reason: z.string().trim().min(1).max(2000) }),
          response: { 201: z.object({ previousKid: z.string(), kid: z.string(), previousValidUntil: z.string() }), ...problems },
        },
        config: { authorize: (p) => access.operate(p, undefined) },
      },
      async (request, reply) => {
        const rotated = await rotate();
        request.log.info({ by: request.principal?.name, reason: request.body.reason, ...rotated }, 'hub JWS key rotated');
        return reply.code(201).send(rotated);
      },
    );
  }

  /**
   * Runs the gating certificate checks on a bundle without submitting it: participants fix their
   * bundle before a step refuses it. 200 with the report, whatever the verdict.
   */
  app.post(
    '/pki/checks/certificates',
    {
      schema: { body: certificateCheckBodySchema, response: { 200: bundleReportSchema, ...problems } },
      config: { authorize: (p) => access.anyone(p, undefined) },
    },
    async (request) => {
      const { pem, kind, environment, role, participant } = request.body;
      return checkBundle(pem, { policy: policyFor(kind, environment), role, ...(participant ? { participant } : {}) });
    },
  );

  /** Same for a CSR (key reuse is only judged when the CSR is submitted to the hub CA). */
  app.post(
    '/pki/checks/csrs',
    {
      schema: { body: csrCheckBodySchema, response: { 200: csrReportSchema, ...problems } },
      config: { authorize: (p) => access.anyone(p, undefined) },
    },
    async (request) => {
      const { pem, kind, environment, role, participant } = request.body;
      return checkCsr(pem, { policy: policyFor(kind, environment), role, participant });
    },
  );
};
