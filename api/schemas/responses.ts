/**
 * What the API answers, as zod schemas: they serialise the responses and generate the OpenAPI
 * document, and each is tied to the TypeScript type the code returns (`returns<T>()`), so the
 * document cannot drift from what the workflows produce.
 */
import { certificateAlerts } from '../../workflows/vocabulary';
import type { NextStep } from '../../workflows/messages';
import { z } from 'zod';
import type { OnboardingPage, StuckGroup } from '../onboarding-search';
import type { OnboardingView } from '../onboarding-gateway';
import {
  decisions,
  environments,
  gateNames,
  GateInstance,
  lifecycleStates,
  watchedCertificateStates,
  onboardingKinds,
  OnboardingProgress,
  OnboardingStatus,
  roles,
  submissionNames,
  SubmissionInstance,
  taskNames,
  TaskRecord,
} from '../../workflows/messages';
import { errorCatalogue, ErrorCode } from '../../workflows/vocabulary';
import { interventionActions } from '../../workflows/messages';
import { auditTypes } from '../audit';

/** Ties a response schema to the type the code returns: every value of `T` must fit the schema (the serialiser's direction). */
const returns =
  <T>() =>
  <S extends z.ZodType>(schema: S & ([T] extends [z.input<S>] ? unknown : never)): S =>
    schema;

const isoTime = z.string().describe('ISO 8601 time');
const stepName = z.enum([...gateNames, ...submissionNames, ...taskNames, 'registration', 'done']);

const findingSummary = z.object({ code: z.string(), result: z.enum(['pass', 'warn', 'fail', 'not-applicable']), message: z.string() });

const interval = z.number().int().nullable().describe('milliseconds; null: never');
const waitTimers = z.object({ remindEveryMs: interval, escalateAfterMs: interval, expireAfterMs: interval });
const chaseView = z
  .object({
    timers: waitTimers,
    since: isoTime.describe('the timers run from here (moved on by time spent suspended; reset when an expired wait is resumed)'),
    reminders: z.number().int(),
    escalated: z.boolean(),
    events: z.array(
      z.object({
        at: isoTime,
        type: z.enum(['reminder', 'escalation', 'expiry']),
        n: z.number().int().optional(),
        to: z.enum([...roles, 'escalation']),
      }),
    ),
  })
  .optional();
const decisionRecord = z.object({
  decision: z.enum(decisions),
  decidedBy: z.string(),
  via: z.enum(['api', 'signal']).optional(),
  comment: z.string().nullable(),
  evidence: z.array(z.object({ label: z.string(), url: z.string() })).optional(),
  at: isoTime,
  requestHash: z.string().nullable(),
});

const instanceBase = {
  id: z.string().describe('`<name>@<environment>#<round>`'),
  environment: z.enum(environments),
  round: z.number().int().min(1),
  role: z.enum(roles),
  openedAt: isoTime,
  deadlineAt: isoTime.nullable(),
  closedAt: isoTime.nullable(),
  chase: chaseView,
};

/** What the hub ran for a gate round before it opened (the UAT run). */
const gateRunSchema = z.object({
  task: z.string(),
  outcome: z.enum(['passed', 'failed', 'skipped', 'error']),
  summary: z.string(),
  assertions: z.object({ passed: z.number().int(), total: z.number().int() }).optional(),
  runId: z.string().optional().describe('its evidence: GET /onboardings/:id/uat-runs/:runId'),
});

export const gateInstanceSchema = returns<GateInstance>()(
  z.object({
    ...instanceBase,
    type: z.literal('gate'),
    name: z.enum(gateNames),
    status: z.enum(['open', ...decisions, 'expired', 'withdrawn']),
    decision: decisionRecord.nullable().describe('the decision that closed the round'),
    required: z.number().int().optional().describe('distinct approvers this round needs'),
    decisions: z.array(decisionRecord).optional().describe('every decision of this round: approvals so far, then a rejection if any'),
    run: gateRunSchema.optional().describe('what the hub ran for this round before it opened (the UAT run)'),
  }),
);

export const submissionInstanceSchema = returns<SubmissionInstance>()(
  z.object({
    ...instanceBase,
    type: z.literal('submission'),
    name: z.enum(submissionNames),
    status: z.enum(['open', 'accepted', 'expired', 'withdrawn']),
    attempts: z.array(z.object({ at: isoTime, submittedBy: z.string(), accepted: z.boolean(), findings: z.array(findingSummary) })),
    provided: z
      .record(z.string(), z.unknown())
      .optional()
      .describe('what the hub hands the participant for this submission, e.g. the JWS challenge to sign'),
    artifact: z.record(z.string(), z.unknown()).nullable(),
  }),
);

export const taskRecordSchema = returns<TaskRecord>()(
  z.object({
    id: z.string().describe('`<task>@<environment>`, or `<task>@<environment>#<round>` for a task of a gate round'),
    name: z.enum(taskNames),
    environment: z.enum(environments),
    round: z.number().int().min(1).optional(),
    status: z.enum(['running', 'done', 'failed']),
    startedAt: isoTime,
    finishedAt: isoTime.nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: z.object({ type: z.string().nullable(), message: z.string() }).nullable(),
  }),
);

const contactView = z.object({ name: z.string(), email: z.string() });
const dfspRegistrationView = z.object({
  currencies: z.array(z.object({ currency: z.string(), netDebitCap: z.number() })),
  contacts: z.object({ business: contactView, technical: contactView }),
  notificationEmails: z.object({
    netDebitCapAdjustment: z.string(),
    settlementPositionChange: z.string(),
    netDebitCapThresholdBreach: z.string(),
  }),
  callbackHosts: z.object({ sandbox: z.array(z.string()), production: z.array(z.string()) }),
  scopes: z.array(z.string()).optional(),
  uatParty: z.object({ idType: z.string(), idValue: z.string() }).optional(),
});

const awaitedSchema = z.object({
  instanceId: z.string(),
  type: z.enum(['gate', 'submission']),
  name: z.enum([...gateNames, ...submissionNames]),
  environment: z.enum(environments),
  round: z.number().int(),
  role: z.enum(roles),
  since: isoTime,
  approvals: z.object({ have: z.array(z.string()), need: z.number().int() }).optional(),
  run: gateRunSchema.optional(),
  lastRefusal: z
    .object({ at: isoTime, attempt: z.number().int().min(1), findings: z.array(findingSummary) })
    .optional()
    .describe("a submission's latest attempt, refused: its findings (until the next attempt)"),
});

/** Where an onboarding stands: the head of its status. */
const standing = {
  participantId: z.string(),
  kind: z.enum(onboardingKinds),
  environment: z.enum(environments),
  step: stepName,
  state: z.enum(lifecycleStates),
  awaiting: z.array(awaitedSchema),
};

/** Where an onboarding stands, without its instances, history and data (a submission's answer). */
export const onboardingProgressSchema = returns<OnboardingProgress>()(z.object({ ...standing, updatedAt: isoTime }));

export const onboardingStatusSchema = returns<OnboardingStatus>()(
  z.object({
    ...standing,
    instances: z.array(z.union([gateInstanceSchema, submissionInstanceSchema])),
    tasks: z.array(taskRecordSchema),
    participant: z.object({ legalName: z.string(), country: z.string(), contactEmail: z.string() }),
    data: z.discriminatedUnion('kind', [
      z.object({
        kind: z.literal('tpp'),
        application: z.object({
          useCase: z.string(),
          expectedMonthlyVolume: z.number(),
          apis: z.array(z.string()),
          kickoffCall: z.boolean().optional(),
          productionCertificate: z.enum(['hub-signed', 'ca-signed']).optional(),
        }),
      }),
      z.object({ kind: z.literal('dfsp'), registration: dfspRegistrationView }),
      z.object({
        kind: z.literal('bank'),
        registration: z.object({
          alias: z.string(),
          assetCode: z.string(),
          firstEmployeeEmail: z.string(),
          authorizationUrls: z.object({ sandbox: z.string(), production: z.string() }),
        }),
      }),
    ]),
    requestFingerprint: z.string(),
    startedAt: isoTime,
    updatedAt: isoTime,
    continuedAsNew: z.number().int(),
    history: z.array(
      z.object({ at: isoTime, step: stepName, environment: z.enum(environments), state: z.enum(lifecycleStates), note: z.string() }),
    ),
    policy: z
      .object({
        approvals: z.partialRecord(z.enum(gateNames), z.number().int()),
        timers: waitTimers,
        timersFor: z.partialRecord(z.enum([...gateNames, ...submissionNames]), waitTimers.partial()).optional(),
        renewalLeadMs: z.number().int(),
        jwsKeyOverlapMs: z.number().int().optional(),
      })
      .optional(),
    halt: z
      .object({
        state: z.enum(['suspended', 'expired']),
        since: isoTime,
        by: z.string(),
        reason: z.string(),
        instanceId: z.string().optional(),
      })
      .nullable()
      .optional(),
    interventions: z
      .array(
        z.object({
          at: isoTime,
          action: z.enum(interventionActions),
          by: z.string().describe('the principal; for via temporal the name the request claimed, unverified'),
          via: z.enum(['api', 'signal', 'timer', 'temporal']),
          reason: z.string(),
          code: z.string().optional(),
          instanceId: z.string().optional(),
        }),
      )
      .optional(),
    certificates: z
      .array(
        z.object({
          id: z.string(),
          submission: z.enum(submissionNames),
          environment: z.enum(environments),
          serialHex: z.string(),
          sha256: z.string(),
          notAfter: isoTime,
          state: z.enum(watchedCertificateStates),
          renewal: z.string().optional().describe('the renewal submission instance, once opened'),
          renewalOpenedAt: isoTime.optional(),
          expiredAt: isoTime.optional(),
          replacedAt: isoTime.optional(),
          retiredAt: isoTime.optional().describe('when the edge stopped admitting it (a replaced client certificate, its grace over)'),
        }),
      )
      .optional()
      .describe('after go-live: every certificate the hub issued or accepted, watched for renewal'),
    access: z
      .array(
        z.object({
          environment: z.enum(environments),
          grantedBy: z.string().nullable().describe('what earned it: the accepted access steps, or the approved go-live'),
          grantedAt: isoTime.nullable(),
          edge: z.enum(['open', 'closed']).describe('open: the edge admits the participant; closed: it refuses it'),
          since: isoTime,
          revision: z.number().int().nullable().describe('the gateway revision that made it so'),
          changes: z.number().int(),
        }),
      )
      .describe(
        'what the edge admits per environment: opened by the journey at its gates, closed while suspended or expired and once ended',
      ),
    liveSince: isoTime.optional().describe('when go-live was approved; from then the state is live'),
  }),
);

export const onboardingViewSchema = returns<OnboardingView>()(
  z.object({
    workflowId: z.string(),
    onboarding: onboardingStatusSchema.nullable().describe('null while no worker has reported the state (202 on start)'),
  }),
);

export const auditResponseSchema = z.object({
  workflowId: z.string(),
  participantId: z.string(),
  entries: z.array(
    z.object({
      at: isoTime,
      type: z.enum(auditTypes),
      instanceId: z.string().nullable(),
      environment: z.string().nullable(),
      round: z.number().int().nullable(),
      actor: z.string().nullable(),
      via: z.enum(['api', 'signal', 'timer', 'hub', 'temporal']).nullable(),
      outcome: z.string().nullable(),
      codes: z.array(z.string()),
      comment: z.string().nullable(),
      evidence: z.array(z.object({ label: z.string(), url: z.string() })),
      note: z.string(),
    }),
  ),
});

/** One open wait said for the caller: what, the route, the body's shape, the kit command. */
export const nextStepSchema = returns<NextStep>()(
  z.object({
    instanceId: z.string(),
    type: z.enum(['gate', 'submission']),
    name: z.enum([...gateNames, ...submissionNames]),
    environment: z.enum(environments),
    role: z.enum(roles),
    since: isoTime,
    what: z.string(),
    route: z.string(),
    body: z.string(),
    kit: z.string().nullable(),
  }),
);
const nextSchema = z.array(nextStepSchema).describe('the open waits this caller answers (its own submissions, or its gates), with how');

export const decisionResponseSchema = z.object({
  decision: gateInstanceSchema,
  workflowId: z.string(),
  progress: onboardingProgressSchema.describe("where the onboarding stood once the decision was recorded (the update's own answer)"),
  next: nextSchema,
});

/** POST /onboardings: where the new onboarding stands once its journey opened the first waits (the update-with-start's answer). */
export const startResponseSchema = z.object({
  workflowId: z.string(),
  progress: onboardingProgressSchema.nullable().describe('null while no worker has answered (202): read it with GET /onboardings/:id'),
  next: nextSchema,
});

/** GET /onboardings/:id: the full status, and what this caller is asked to do next. */
export const onboardingStatusViewSchema = z.object({
  workflowId: z.string(),
  onboarding: onboardingStatusSchema.nullable().describe('null while no worker has reported the state'),
  next: nextSchema,
});
export const submissionResponseSchema = z.object({
  submission: submissionInstanceSchema,
  report: z.record(z.string(), z.unknown()).describe('the full check report: verdict, blocking, findings with details'),
  secret: z
    .object({ value: z.string(), shownOnce: z.literal(true) })
    .optional()
    .describe('a secret the step made (an OAuth client secret): in this response only, never again'),
  secrets: z
    .record(z.string(), z.object({ value: z.string(), shownOnce: z.literal(true) }))
    .optional()
    .describe("several secrets by name (a bank's technical users): in this response only, never again"),
  workflowId: z.string(),
  next: nextSchema,
  progress: onboardingProgressSchema.describe(
    'where the onboarding stood once this submission was recorded; GET /onboardings/{participantId} has the whole status',
  ),
});

export const jwtKeyResponseSchema = z.object({
  kid: z.string().describe('RFC 7638 thumbprint; the JWT header names it'),
  environment: z.enum(environments),
  alg: z.literal('ES256'),
  jwk: z.record(z.string(), z.unknown()).describe('the public key as a JWK (kty EC, crv P-256)'),
  publicKeyPem: z.string().describe('the same key as SPKI PEM'),
});

export const onboardingPageSchema: z.ZodType<OnboardingPage> = z.object({
  onboardings: z.array(
    z.object({
      participantId: z.string(),
      workflowId: z.string(),
      execution: z.string(),
      kind: z.string().nullable(),
      environment: z.string().nullable(),
      step: z.string().nullable(),
      state: z.string().nullable(),
      awaitingRoles: z.array(z.string()),
      openWaits: z.array(z.string()).describe('every open wait, name@environment'),
      refusedSubmissions: z.array(z.string()).describe('open submissions refused last, name@environment'),
      waitingSince: isoTime.nullable(),
      certificateState: z.enum(certificateAlerts).nullable().describe('after go-live: the worst state of its certificates'),
      startedAt: isoTime.nullable(),
    }),
  ),
  nextPageToken: z.string().nullable(),
});

const stuckGroupSchema = returns<StuckGroup>()(
  z.object({
    wait: z.string().describe('the open wait, name@environment'),
    awaitingRole: z.string(),
    count: z.number().int(),
    refused: z.number().int().describe('how many had their latest submission for this wait refused'),
    oldestWaitingSince: z.string(),
    participantIds: z.array(z.string()),
  }),
);
export const stuckResponseSchema = z.object({ groups: z.array(stuckGroupSchema), scanned: z.number().int(), truncated: z.boolean() });

const finding = z.object({
  code: z.string(),
  result: z.enum(['pass', 'warn', 'fail', 'not-applicable']),
  message: z.string(),
  detail: z.record(z.string(), z.unknown()),
});
const certificateSummary = z.object({
  subject: z.string(),
  issuer: z.string(),
  serialHex: z.string(),
  sha256: z.string(),
  notBefore: isoTime,
  notAfter: isoTime,
});
const report = { verdict: z.enum(['pass', 'warn', 'fail']), blocking: z.boolean(), findings: z.array(finding) };
export const bundleReportSchema = z.object({
  ...report,
  leaf: certificateSummary.nullable(),
  path: z.array(certificateSummary),
  normalised: z.object({ chainPem: z.string(), rootPem: z.string().nullable() }).nullable(),
});
export const csrReportSchema = z.object({
  ...report,
  csr: z
    .object({ sha256: z.string(), subject: z.string(), spkiSha256: z.string(), sanDns: z.array(z.string()), sanIps: z.array(z.string()) })
    .nullable(),
});

export const problemSchema = z
  .looseObject({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(Object.keys(errorCatalogue) as [ErrorCode, ...ErrorCode[]]),
    detail: z.string().optional(),
    instance: z.string().optional(),
    'invalid-params': z.array(z.object({ name: z.string(), reason: z.string() })).optional(),
    context: z.record(z.string(), z.unknown()).optional(),
  })
  .describe('application/problem+json (RFC 9457) with a stable code');

/** Every error status a route can answer, as problem+json. */
export const problems = { '4xx': problemSchema, '5xx': problemSchema } as const;

export const cancelResponseSchema = z.object({ workflowId: z.string(), cancellation: z.literal('requested') });

export const healthSchema = z.object({ status: z.literal('ok') });
export const readySchema = z.object({ status: z.literal('ready') });
export const pemText = z.string().describe('PEM certificates (application/x-pem-file)');
export const metricsText = z.string().describe('Prometheus text exposition');

export const jwsKeyDirectorySchema = z.object({
  keys: z.array(
    z.object({
      participantId: z.string().describe("`@hub` for the hub's own key"),
      environment: z.string(),
      kid: z.string().describe('RFC 7638 JWK thumbprint'),
      spkiSha256: z.string(),
      publicKeyPem: z.string(),
      notAfter: isoTime.nullable(),
      acceptedAt: isoTime,
      retiresAt: isoTime.nullable().describe('replaced by a rotation: valid beside its successor until then'),
    }),
  ),
});
