import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { gateRoles, onboardingWorkflowId, progressOf, taskResult } from '../../workflows/messages';
import type { Environment, OnboardingProgress, SubmissionName, SubmissionPayloads } from '../../workflows/messages';
import { access } from '../auth';
import type { OnboardingPort } from '../onboarding-gateway';
import type { Principal } from '../auth';
import {
  redirectUrlsBodySchema,
  authorizationServiceBodySchema,
  identifiersBodySchema,
  jwtKeyQuerySchema,
  officerCredentialsBodySchema,
  cancelBodySchema,
  certificateBundleBodySchema,
  clientCsrBodySchema,
  endpointsBodySchema,
  gateDecisionBodySchema,
  idempotencyHeadersSchema,
  ipAllowlistBodySchema,
  jwsKeyBodySchema,
  connectivityBodySchema,
  contractRevisionBodySchema,
  goLiveReadinessBodySchema,
  haltBodySchema,
  roundBodySchema,
  uatRetestBodySchema,
  oauthClientBodySchema,
  participantParamsSchema,
  searchQuerySchema,
  startOnboardingBodySchema,
  stuckQuerySchema,
} from '../schemas/onboardings';
import { auditCsv, auditTrail } from '../audit';
import { nextFor } from '../next-steps';
import { ApiError } from '../errors';
import {
  auditResponseSchema,
  cancelResponseSchema,
  decisionResponseSchema,
  jwtKeyResponseSchema,
  onboardingPageSchema,
  onboardingStatusViewSchema,
  onboardingViewSchema,
  startResponseSchema,
  problems,
  stuckResponseSchema,
  submissionInstanceSchema,
  submissionResponseSchema,
} from '../schemas/responses';

/** Redeems the one-time pickup of a secret an activity made (the one response that shows it). */
export interface SecretRedeemer {
  redeem(id: string): Promise<string | null>;
}

export interface OnboardingRoutesOptions {
  gateway: OnboardingPort;
  secretPickups?: SecretRedeemer;
  /** Body limits in bytes: small JSON forms (starts, decisions) and PEM submissions. */
  bodyLimits: { form: number; pem: number };
  /** A participant key may start its own onboarding (the scheme's policy; off by default). */
  participantSelfStart: boolean;
}

/** The approver role of the gate a (not yet validated) decision body names; null when it names none we know. */
function roleOfGate(body: unknown): (typeof gateRoles)[keyof typeof gateRoles] | null {
  const gate = typeof body === 'object' && body !== null ? (body as { gate?: unknown }).gate : undefined;
  return typeof gate === 'string' && Object.hasOwn(gateRoles, gate) ? gateRoles[gate as keyof typeof gateRoles] : null;
}

export const onboardingRoutes: FastifyPluginAsyncZod<OnboardingRoutesOptions> = async (
  app,
  { gateway, secretPickups, bodyLimits, participantSelfStart },
) => {
  const jsonFormLimit = bodyLimits.form;
  const participantOf = (request: { params: unknown }) => (request.params as { participantId?: string }).participantId;

  app.post(
    '/onboardings',
    {
      schema: {
        body: startOnboardingBodySchema,
        headers: idempotencyHeadersSchema,
        response: { 200: startResponseSchema, 201: startResponseSchema, 202: startResponseSchema, ...problems },
      },
      // Operators; a participant for itself only where the scheme allows self-start.
      config: {
        authorize: (p, request) =>
          access.operate(p, undefined) ||
          (participantSelfStart && access.submit(p, (request.body as { participantId?: string } | undefined)?.participantId)),
      },
      bodyLimit: jsonFormLimit,
    },
    async (request, reply) => {
      const { created, workflowId, progress } = await gateway.start(request.body, request.id, request.headers['idempotency-key']);
      const location = `/onboardings/${request.body.participantId}`;
      // 202: the onboarding exists but no worker answered in time (`progress` is null); GET it later.
      return reply
        .code(progress === null ? 202 : created ? 201 : 200)
        .header('location', location)
        .send({
          workflowId,
          progress,
          next: progress ? nextFor(request.principal as Principal, request.body.participantId, progress.awaiting) : [],
        });
    },
  );

  /** Search through Temporal visibility; cursor pagination with `nextPageToken`. Staff only. */
  app.get(
    '/onboardings',
    {
      schema: { querystring: searchQuerySchema, response: { 200: onboardingPageSchema, ...problems } },
      config: { authorize: (p) => access.readAll(p, undefined) },
    },
    async (request) => {
      const { pageSize, pageToken, waitingLongerThan, ...filter } = request.query;
      return gateway.search(
        { ...filter, ...(waitingLongerThan !== undefined ? { waitingLongerThanMs: waitingLongerThan } : {}) },
        { pageSize, ...(pageToken ? { pageToken } : {}) },
      );
    },
  );

  /** Running onboardings waiting longer than `olderThan` (default P3D), grouped by step and awaited role. */
  app.get(
    '/onboardings/stuck',
    {
      schema: { querystring: stuckQuerySchema, response: { 200: stuckResponseSchema, ...problems } },
      config: { authorize: (p) => access.readAll(p, undefined) },
    },
    async (request) => gateway.stuck(request.query.olderThan),
  );

  app.get(
    '/onboardings/:participantId',
    {
      schema: { params: participantParamsSchema, response: { 200: onboardingStatusViewSchema, ...problems } },
      config: { authorize: (p, request) => access.readOnboarding(p, participantOf(request)) },
    },
    async (request) => {
      const view = await gateway.status(request.params.participantId);
      return { ...view, next: nextFor(request.principal as Principal, request.params.participantId, view.onboarding?.awaiting ?? []) };
    },
  );

  app.post(
    '/onboardings/:participantId/approvals',
    {
      schema: {
        params: participantParamsSchema,
        body: gateDecisionBodySchema,
        headers: idempotencyHeadersSchema,
        response: { 200: decisionResponseSchema, ...problems },
      },
      bodyLimit: jsonFormLimit,
      // Only the team the gate awaits decides it.
      // Checked before the body is validated: a gate the vocabulary does not know is left to validation
      // (400) for any approver, and is a 403 for everyone else.
      config: {
        authorize: (p, request) => {
          const role = roleOfGate(request.body);
          return role === null ? access.anyApprover(p, undefined) : access.decide(role)(p, participantOf(request));
        },
        needs: (request) => {
          const role = roleOfGate(request.body);
          const gate = typeof request.body === 'object' && request.body !== null ? (request.body as { gate?: unknown }).gate : undefined;
          return role === null ? 'an approver grant' : `approver:${role} (${String(gate)} is the ${role} team's gate)`;
        },
      },
    },
    async (request) => {
      const { participantId } = request.params;
      const answer = await gateway.decide(
        participantId,
        { ...request.body, decidedBy: (request.principal as Principal).name, requestId: request.id },
        request.headers['idempotency-key'],
      );
      // The update's own answer: no second round trip to the workflow while the approver waits.
      const progress = answer.progress ?? (await progressFromStatus(participantId));
      return {
        decision: answer.decision,
        workflowId: onboardingWorkflowId(participantId),
        progress,
        next: nextFor(request.principal as Principal, participantId, progress.awaiting),
      };
    },
  );

  /** Stops an onboarding for good (Temporal cancellation); the operator and the reason are recorded. */
  app.post(
    '/onboardings/:participantId/cancel',
    {
      schema: {
        params: participantParamsSchema,
        body: cancelBodySchema,
        headers: idempotencyHeadersSchema,
        response: { 202: cancelResponseSchema, ...problems },
      },
      config: { authorize: (p) => access.operate(p, undefined) },
      bodyLimit: jsonFormLimit,
    },
    async (request, reply) => {
      await gateway.cancel(
        request.params.participantId,
        (request.principal as Principal).name,
        request.body.reason,
        request.headers['idempotency-key'],
      );
      return reply.code(202).send({ workflowId: onboardingWorkflowId(request.params.participantId), cancellation: 'requested' as const });
    },
  );

  /**
   * Opens the next round of an accepted submission that takes rounds on request — a JWS key
   * rotation (`jws-key`): the new round carries a fresh challenge; the new key is submitted to it
   * as before, and the replaced key stays valid beside it for the scheme's overlap. The DFSP or an
   * operator; the requester and the reason are recorded.
   */
  app.post(
    '/onboardings/:participantId/rounds',
    {
      schema: {
        params: participantParamsSchema,
        body: roundBodySchema,
        headers: idempotencyHeadersSchema,
        response: { 201: z.object({ submission: submissionInstanceSchema }), ...problems },
      },
      config: { authorize: (p, request) => access.submit(p, participantOf(request)) },
      bodyLimit: jsonFormLimit,
    },
    async (request, reply) => {
      const submission = await gateway.openRound(
        request.params.participantId,
        {
          name: request.body.submission,
          environment: request.body.environment,
          requestedBy: (request.principal as Principal).name,
          reason: request.body.reason,
          requestId: request.id,
        },
        request.headers['idempotency-key'],
      );
      return reply.code(201).send({ submission });
    },
  );

  /**
   * Suspends (timers stand still: no reminder, escalation or expiry; decisions and submissions are
   * refused with ONBOARDING_HALTED) or resumes an onboarding — also one that expired. The operator
   * and the reason are recorded in the audit.
   */
  for (const action of ['suspend', 'resume'] as const) {
    app.post(
      `/onboardings/:participantId/${action}`,
      {
        schema: {
          params: participantParamsSchema,
          body: haltBodySchema,
          headers: idempotencyHeadersSchema,
          response: { 200: onboardingViewSchema, ...problems },
        },
        config: { authorize: (p) => access.operate(p, undefined) },
        bodyLimit: jsonFormLimit,
      },
      async (request) => {
        await gateway.halt(
          request.params.participantId,
          action,
          (request.principal as Principal).name,
          request.body.reason,
          request.headers['idempotency-key'],
        );
        return gateway.status(request.params.participantId);
      },
    );
  }

  /**
   * The audit trail, from the workflow's own record: JSON, or CSV with `Accept: text/csv` (for a
   * spreadsheet: fields that would start a formula are prefixed with an apostrophe).
   */
  app.get(
    '/onboardings/:participantId/audit',
    {
      schema: { params: participantParamsSchema, response: { 200: auditResponseSchema, ...problems } },
      config: { authorize: (p) => access.readAll(p, undefined) },
    },
    async (request, reply) => {
      const view = await gateway.status(request.params.participantId);
      if (view.onboarding === null) throw new ApiError('TEMPORAL_UNAVAILABLE', 'No worker reported the onboarding yet; try again shortly');
      const entries = auditTrail(view.onboarding);
      const accept = request.headers.accept ?? '';
      if (/\btext\/csv\b/.test(accept) && !/application\/json/.test(accept)) {
        return (
          reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', `attachment; filename="onboarding-${request.params.participantId}-audit.csv"`)
            .serializer((payload: unknown) => payload as string)
            // The response schema describes the JSON form; the CSV is a string sent as it is.
            .send(auditCsv(entries) as never)
        );
      }
      return { workflowId: view.workflowId, participantId: request.params.participantId, entries };
    },
  );

  /** A worker from before submissions answered with their progress: read it from the status. */
  async function progressFromStatus(participantId: string): Promise<OnboardingProgress> {
    const { onboarding } = await gateway.status(participantId);
    if (onboarding === null)
      throw new ApiError(
        'TEMPORAL_UNAVAILABLE',
        'The submission was recorded, but the onboarding did not answer its status in time; read it with GET',
      );
    return progressOf(onboarding);
  }

  /** A participant submission: the workflow's check answers in the same request (200 accepted / 422 with the findings). */
  function submissionRoute<B extends z.ZodType<{ environment?: Environment }>>(
    name: SubmissionName,
    body: B,
    payloadOf: (body: z.infer<B>) => SubmissionPayloads[SubmissionName],
    bodyLimit: number,
  ) {
    app.post(
      `/onboardings/:participantId/submissions/${name}`,
      {
        schema: {
          params: participantParamsSchema,
          body,
          headers: idempotencyHeadersSchema,
          response: { 200: submissionResponseSchema, ...problems },
        },
        config: { authorize: (p, request) => access.submit(p, participantOf(request)) },
        bodyLimit,
      },
      async (request) => {
        const { environment } = request.body as z.infer<B>;
        const outcome = await gateway.submit(
          request.params.participantId,
          {
            name,
            submittedBy: (request.principal as Principal).name,
            payload: payloadOf(request.body as z.infer<B>),
            requestId: request.id,
            ...(environment ? { environment } : {}),
          },
          request.headers['idempotency-key'],
        );
        // A secret the step made reaches this one response through its pickup, and no other.
        const artifact = outcome.instance.artifact as { secretPickup?: unknown; secretPickups?: unknown } | null;
        const pickup = artifact?.secretPickup;
        const secret = typeof pickup === 'string' && secretPickups ? await secretPickups.redeem(pickup) : null;
        // Several secrets (a bank's technical users): each by name, once.
        const secrets: Record<string, { value: string; shownOnce: true }> = {};
        if (typeof artifact?.secretPickups === 'object' && artifact.secretPickups !== null && secretPickups) {
          for (const [name, id] of Object.entries(artifact.secretPickups as Record<string, unknown>)) {
            const value = typeof id === 'string' ? await secretPickups.redeem(id) : null;
            if (value !== null) secrets[name] = { value, shownOnce: true };
          }
        }
        const progress = outcome.progress ?? (await progressFromStatus(request.params.participantId));
        return {
          submission: outcome.instance,
          report: outcome.report,
          ...(secret !== null ? { secret: { value: secret, shownOnce: true as const } } : {}),
          ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
          workflowId: onboardingWorkflowId(request.params.participantId),
          // The update's own answer: no second round trip to the workflow while the participant waits.
          progress,
          next: nextFor(request.principal as Principal, request.params.participantId, progress.awaiting),
        };
      },
    );
  }

  /**
   * The participant's certificate bundle for the open certificate review: 200 with the report when
   * accepted; 422 SUBMISSION_REFUSED with the report (findings) in `context.report` when not — fix
   * and send again, as often as needed. PEM bundles are larger than the JSON forms.
   */
  submissionRoute(
    'certificate-bundle',
    certificateBundleBodySchema,
    ({ pem, csrPem, challengeSignature }) => ({
      pem,
      ...(csrPem ? { csrPem } : {}),
      ...(challengeSignature ? { challengeSignature } : {}),
    }),
    bodyLimits.pem,
  );

  /** An API client's OAuth redirect URIs (exact https) and callback URLs: the whole set; sent again, it replaces them. */
  submissionRoute(
    'redirect-urls',
    redirectUrlsBodySchema,
    ({ redirectUris, callbackUrls }) => ({ redirectUris, ...(callbackUrls ? { callbackUrls } : {}) }),
    jsonFormLimit,
  );

  /**
   * The full list of addresses and blocks the participant connects from. Accepted: applied to the
   * gateway at once. Sent again later (the whole list), it replaces the one in force.
   */
  submissionRoute('ip-allowlist', ipAllowlistBodySchema, ({ entries }) => ({ entries }), jsonFormLimit);

  /**
   * The participant's OAuth client for the environment: the first call issues it (client id, and
   * for `client_secret_basic` the secret in `secret.value`, shown in this response only); a later
   * call rotates the secret (the previous one stays valid for the overlap window), or — naming the
   * other `authMethod` — moves the client to it (`tls_client_auth`: certificate-bound tokens, its
   * secrets stop at once).
   */
  submissionRoute(
    'oauth-client',
    oauthClientBodySchema,
    ({ authMethod, tlsSubjectDn }) => ({ ...(authMethod ? { authMethod } : {}), ...(tlsSubjectDn ? { tlsSubjectDn } : {}) }),
    jsonFormLimit,
  );

  /**
   * TLS, DFSP → hub: the DFSP's client CSR (PKCS#10 PEM). Accepted: `submission.artifact` holds the
   * hub-signed certificate (`certificatePem`) and the hub CA chain (`chainPem`), serial and fingerprint.
   */
  submissionRoute('client-csr', clientCsrBodySchema, ({ csrPem }) => ({ csrPem }), bodyLimits.pem);

  /** The DFSP's server certificate with its CA chain (serverAuth, chain, names), stored normalised. */
  submissionRoute('server-certificate', certificateBundleBodySchema, ({ pem }) => ({ pem }), bodyLimits.pem);

  /**
   * The DFSP's JWS public key (SPKI or certificate PEM) and `challengeJws`, a compact JWS (RS256 or
   * ES256) over the instance's `provided.challenge`. Accepted: the key is in `GET /jws-keys`.
   */
  submissionRoute('jws-key', jwsKeyBodySchema, ({ keyPem, challengeJws }) => ({ keyPem, challengeJws }), bodyLimits.pem);

  /** The DFSP's FSPIOP callback URLs by central-ledger endpoint type (the whole set; a later call replaces it). */
  submissionRoute('endpoints', endpointsBodySchema, ({ callbacks }) => ({ callbacks }), jsonFormLimit);

  /**
   * TLS, hub → DFSP: the hub's CSR (`provided.csrPem` of the open instance) signed by the DFSP's CA,
   * with that CA's chain up to its root. Accepted: installed for the hub's outbound calls; the
   * artifact names it (serial, fingerprint, issuer, validity).
   */
  submissionRoute('hub-client-certificate', certificateBundleBodySchema, ({ pem }) => ({ pem }), bodyLimits.pem);

  /**
   * Asks the hub to prove connectivity now: it calls every callback origin over mTLS with its
   * client certificate and checks the server certificate is the registered one. 422 names the
   * cause per origin (timeout, refused, TLS alert, name mismatch, unknown CA, …); ask again once fixed.
   */
  submissionRoute('connectivity', connectivityBodySchema, () => ({}), jsonFormLimit);

  /**
   * After ops rejected a UAT round (the comment says why): the DFSP says what it fixed. The hub
   * proves connectivity again; 200 reopens UAT in the next round, 422 names what still fails.
   */
  submissionRoute('uat-retest', uatRetestBodySchema, ({ summary }) => ({ summary }), jsonFormLimit);

  /** After legal rejected the contract (the comment says why): the new version; 200 opens the contract's next round. */
  submissionRoute('contract-revision', contractRevisionBodySchema, ({ summary, document }) => ({ summary, document }), jsonFormLimit);

  /** After ops rejected go-live: what was put right; 200 opens go-live's next round. */
  submissionRoute('go-live-readiness', goLiveReadinessBodySchema, ({ summary }) => ({ summary }), jsonFormLimit);

  /**
   * A bank: its authorization service is deployed with the hub's JWT key (`GET …/jwt-key`). The hub
   * presents a signed JWT to the registered authorization URL over TLS: 200 when accepted, 422 with
   * the cause (JWT refused, unreachable, TLS) when not. `hubCannotReach: true` hands the check to
   * security at the `jwt-trust-check` gate.
   */
  submissionRoute(
    'authorization-service',
    authorizationServiceBodySchema,
    ({ caPem, hubCannotReach }) => ({ ...(caPem ? { caPem } : {}), ...(hubCannotReach !== undefined ? { hubCannotReach } : {}) }),
    bodyLimits.pem,
  );

  /**
   * A bank officer: the key keeper's technical users `identification` and `processing`; their
   * secrets are in `secrets` of this response only. Asked again, both secrets are replaced.
   */
  submissionRoute('officer-credentials', officerCredentialsBodySchema, () => ({}), jsonFormLimit);

  /** A bank's system operator: the identifiers to register (the whole list; a later call replaces it). */
  submissionRoute('identifiers', identifiersBodySchema, ({ identifiers }) => ({ identifiers }), jsonFormLimit);

  /**
   * The hub's public JWT key for a bank in an environment (JWK and PEM), as its authorization service
   * installs it; known once the bank's onboarding reached JWT trust.
   */
  app.get(
    '/onboardings/:participantId/jwt-key',
    {
      schema: { params: participantParamsSchema, querystring: jwtKeyQuerySchema, response: { 200: jwtKeyResponseSchema, ...problems } },
      config: { authorize: (p, request) => access.readOnboarding(p, participantOf(request)) },
    },
    async (request) => {
      const { onboarding } = await gateway.status(request.params.participantId);
      const environment = request.query.environment;
      const key = onboarding ? taskResult(onboarding, 'hub-jwt-key', environment) : null;
      if (onboarding?.kind !== 'bank' || key === null) {
        throw new ApiError(
          'JWT_KEY_NOT_READY',
          `${request.params.participantId} has no hub JWT key in ${environment} yet (bank onboardings only, once JWT trust starts)`,
        );
      }
      return { kid: key.kid, environment, alg: 'ES256' as const, jwk: key.jwk, publicKeyPem: key.publicKeyPem };
    },
  );
};
