import { evidenceLinkProblem, maxCommentLength, maxEvidenceLinks, maxNameLength, maxUrlLength } from '../../workflows/messages';
import { certificateAlerts } from '../../workflows/vocabulary';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { nonPublicRange, normalisedHost } from '../../activities/network/egress';
import { countryCodeSchema } from './country';
import { text } from './text';
import {
  approverRoles,
  callbackTypes,
  decisions,
  environments,
  fspIdLength,
  bankAliasPattern,
  gateNames,
  lifecycleStates,
  onboardingKinds,
  participantIdPattern,
  submissionNames,
  supportedKinds,
  taskNames,
} from '../../workflows/messages';

export const participantIdSchema = z.string().regex(participantIdPattern, 'lower-case letters, digits and inner hyphens, 1-63 characters');

export const participantParamsSchema = z.strictObject({ participantId: participantIdSchema });

const countryCode = countryCodeSchema;

const participantProfileSchema = z.strictObject({
  legalName: text({ max: 200 }),
  country: countryCode,
  contactEmail: z.email().max(254),
});

/** What a TPP / API client asks for (seed 000). */
const tppStartSchema = z.strictObject({
  participantId: participantIdSchema,
  kind: z.literal('tpp'),
  participant: participantProfileSchema,
  application: z.strictObject({
    useCase: text({ max: 2000, multiline: true }),
    expectedMonthlyVolume: z.number().int().nonnegative().max(1e12),
    // API products by name; they become the scopes of the client's OAuth clients.
    apis: z
      .array(z.string().regex(/^[a-z][a-z0-9:._-]{0,63}$/, 'an API product name (lowercase letters, digits, : . _ -), as its OAuth scope'))
      .min(1)
      .max(50)
      .refine((apis) => new Set(apis).size === apis.length, 'apis must not repeat')
      // A set: sorted, so the same request with the APIs in another order is the same onboarding.
      .transform((apis) => [...apis].sort()),
    kickoffCall: z.boolean().optional().describe('ask for a kickoff call with the hub after the certificate review'),
    productionCertificate: z
      .enum(['hub-signed', 'ca-signed'])
      .optional()
      .describe('production identity: a CSR the hub CA signs (default) or a certificate from your own CA'),
  }),
});

const contactSchema = z.strictObject({ name: text({ max: 200 }), email: z.email().max(254) });

/** A DNS name (wildcards `*.` allowed) or an IPv4/IPv6 address, as certificates name hosts. */
const hostName = z
  .string()
  .max(253)
  .regex(/^(\*\.)?[A-Za-z0-9.-]+$|^[0-9A-Fa-f:.]+$/, 'a host name or IP address');

/** ISO 4217 alphabetic code; central-ledger refuses currencies it does not know. */
const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 currency code, e.g. XOF');

/** Seed 004's registration: currencies with their Net Debit Caps, contacts, the three notification e-mails. */
export const dfspRegistrationSchema = z.strictObject({
  currencies: z
    .array(z.strictObject({ currency: currencyCode, netDebitCap: z.number().nonnegative().max(1e15) }))
    .min(1)
    .max(20)
    .refine((list) => new Set(list.map((c) => c.currency)).size === list.length, 'a currency appears once'),
  contacts: z.strictObject({ business: contactSchema, technical: contactSchema }),
  notificationEmails: z.strictObject({
    netDebitCapAdjustment: z.email().max(254),
    settlementPositionChange: z.email().max(254),
    netDebitCapThresholdBreach: z.email().max(254),
  }),
  callbackHosts: z.strictObject({ sandbox: z.array(hostName).min(1).max(20), production: z.array(hostName).min(1).max(20) }),
  scopes: z
    .array(z.string().regex(/^[a-z][a-z0-9:._-]{0,63}$/))
    .min(1)
    .max(20)
    .optional(),
  /** The DFSP's sandbox test party (FSPIOP party id type and identifier): what the hub's UAT run pays. */
  uatParty: z
    .strictObject({
      idType: z.enum(['MSISDN', 'EMAIL', 'PERSONAL_ID', 'BUSINESS', 'DEVICE', 'ACCOUNT_ID', 'IBAN', 'ALIAS']),
      idValue: z.string().regex(/^[A-Za-z0-9@._+-]{1,128}$/, 'an FSPIOP party identifier'),
    })
    .optional(),
});

/** A Mojaloop DFSP (seed 004): its participant id is its FSP id in the hub ledger. */
const dfspStartSchema = z.strictObject({
  participantId: participantIdSchema.refine(
    (id) => id.length >= fspIdLength.min && id.length <= fspIdLength.max,
    `a DFSP's id is its FSP id: ${fspIdLength.min}-${fspIdLength.max} characters`,
  ),
  kind: z.literal('dfsp'),
  participant: participantProfileSchema,
  registration: dfspRegistrationSchema,
});

/** An https URL the hub will call (a bank's authorization endpoint): no credentials, no fragment. */
const calledHttpsUrl = z
  .url({ protocol: /^https$/, error: 'an https URL' })
  .max(2048)
  .refine((u) => {
    const url = new URL(u);
    return url.username === '' && url.password === '' && url.hash === '';
  }, 'no credentials or fragment in the URL')
  // The hub calls it from outside the bank: a loopback, private or link-local address (or localhost)
  // names the hub's own machine or network, which the hub's egress refuses — said now, not at the step.
  .refine((u) => {
    const host = normalisedHost(new URL(u));
    return !(host === 'localhost' || host.endsWith('.localhost') || (ipaddr.isValid(host) && nonPublicRange(host) !== null));
  }, "the bank's own host, by public name or address: a loopback, private or link-local address (or localhost) is the hub's, and the hub's egress refuses it");

/** Seed 001's onboarding data: alias (a DNS label: it names the bank's hosts), asset code, first employee, authorization URLs. */
export const bankRegistrationSchema = z.strictObject({
  alias: z
    .string()
    .regex(bankAliasPattern, 'a DNS label of 1-41 lowercase letters, digits and inner hyphens (it becomes api-<alias>-<environment>)'),
  assetCode: currencyCode,
  firstEmployeeEmail: z.email().max(254),
  authorizationUrls: z.strictObject({ sandbox: calledHttpsUrl, production: calledHttpsUrl }),
});

/** A bank counterparty of a digital-currency processing centre (seed 001). */
const bankStartSchema = z.strictObject({
  participantId: participantIdSchema,
  kind: z.literal('bank'),
  participant: participantProfileSchema,
  registration: bankRegistrationSchema,
});

/** One shape per kind, as the workflows' start input (`OnboardingInput`). */
export const startOnboardingBodySchema = z.discriminatedUnion('kind', [dfspStartSchema, tppStartSchema, bankStartSchema], {
  error: `kind must be one of: ${supportedKinds.join(', ')}`,
});
export type StartOnboardingBody = z.infer<typeof startOnboardingBodySchema>;

/** A link to what a decision or a document rests on: https only. */
export const evidenceLinkSchema = z
  .strictObject({
    label: text({ min: 1, max: maxNameLength }),
    url: z.url({ protocol: /^https$/, error: 'an https URL (https://…)' }).max(maxUrlLength),
  })
  // The workflow's rule, from its one home (workflows/frame/guards.ts): the API refuses what the workflow would.
  .superRefine((link, ctx) => {
    const problem = evidenceLinkProblem(link);
    if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, path: ['url'] });
  });

export const gateDecisionBodySchema = z.strictObject({
  gate: z.enum(gateNames),
  /** Needed only when the gate is open in both environments at once. */
  environment: z.enum(environments).optional(),
  decision: z.enum(decisions),
  comment: text({ min: 0, max: maxCommentLength, multiline: true }).optional(),
  /** Links to what the decision rests on (a UAT test report); approving `uat-signoff` needs one. */
  evidence: z.array(evidenceLinkSchema).max(maxEvidenceLinks).optional(),
});
export type GateDecisionBody = z.infer<typeof gateDecisionBodySchema>;

export const idempotencyHeadersSchema = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9._:-]{8,128}$/, '8-128 characters of letters, digits and . _ : -')
    .optional(),
});

/** A participant's certificate bundle (PEM: leaf, intermediates, root in any order; text between blocks is ignored). */
export const certificateBundleBodySchema = z.strictObject({
  pem: z
    .string()
    .min(1)
    .max(512 * 1024),
  /** An API client's technical evaluation: the CSR the certificate was made from (optional). */
  csrPem: z
    .string()
    .min(1)
    .max(64 * 1024)
    .optional(),
  /** An API client's technical evaluation: the instance's `provided.challenge` signed with the certificate's key, base64. */
  challengeSignature: z
    .string()
    .regex(/^[A-Za-z0-9+/=]{16,2048}$/, 'a base64 signature')
    .optional(),
  environment: z.enum(environments).optional(),
});
export type CertificateBundleBody = z.infer<typeof certificateBundleBodySchema>;

/** An API client's redirect URIs (mandatory, exact https) and callback URLs (optional): the whole set, replaceable. */
export const redirectUrlsBodySchema = z.strictObject({
  redirectUris: z.array(z.string().min(1).max(2048)).min(1).max(10),
  callbackUrls: z.array(z.string().min(1).max(2048)).max(10).optional(),
  environment: z.enum(environments).optional(),
});

export const oauthClientBodySchema = z.strictObject({
  /** Absent: a new client authenticates with a secret; an existing one keeps its method (a secret is rotated). */
  authMethod: z.enum(['client_secret_basic', 'tls_client_auth']).optional(),
  /** tls_client_auth: the subject DN of the hub-issued client certificate, e.g. `CN=acme-pay,O=Acme Pay Ltd,C=GB`. */
  tlsSubjectDn: text({ max: 512 }).optional(),
  environment: z.enum(environments).optional(),
});

export const clientCsrBodySchema = z.strictObject({
  csrPem: z
    .string()
    .min(1)
    .max(64 * 1024),
  environment: z.enum(environments).optional(),
});

export const jwsKeyBodySchema = z.strictObject({
  keyPem: z
    .string()
    .min(1)
    .max(64 * 1024),
  challengeJws: z
    .string()
    .min(1)
    .max(16 * 1024),
  environment: z.enum(environments).optional(),
});

/** The connectivity proof takes no input: only which environment's, when several are open. */
export const connectivityBodySchema = z.strictObject({
  environment: z.enum(environments).optional(),
});

/** After a rejected contract round: the new version (an https link) and what changed; legal reviews it as the next round. */
export const contractRevisionBodySchema = z.strictObject({
  summary: text({ min: 1, max: maxCommentLength, multiline: true }),
  document: evidenceLinkSchema,
  environment: z.enum(environments).optional(),
});

/** After a rejected go-live round: what the participant put right; go-live opens again as the next round. */
export const goLiveReadinessBodySchema = z.strictObject({
  summary: text({ min: 1, max: maxCommentLength, multiline: true }),
  environment: z.enum(environments).optional(),
});

/** Suspend or resume: the reason is recorded with the operator. */
/** Opening the next round of a submission on request: which one (a JWS key rotation), where, and why. */
export const roundBodySchema = z.strictObject({
  submission: z.enum(['jws-key']),
  environment: z.enum(environments),
  reason: text({ min: 1, max: maxCommentLength, multiline: true }),
});

export const haltBodySchema = z.strictObject({ reason: text({ min: 1, max: maxCommentLength, multiline: true }) });

/** After a rejected UAT round: what the DFSP fixed (the hub proves connectivity again before UAT reopens). */
export const uatRetestBodySchema = z.strictObject({
  summary: text({ min: 1, max: maxCommentLength, multiline: true }),
  environment: z.enum(environments).optional(),
});

/** The whole set of callback URLs (PUT semantics), by central-ledger endpoint type. */
export const endpointsBodySchema = z.strictObject({
  callbacks: z.partialRecord(z.enum(callbackTypes), z.string().min(1).max(2048)),
  environment: z.enum(environments).optional(),
});

/** The bank's authorization service is deployed with the hub's key: its TLS server's CA chain when not publicly trusted, or that the hub cannot reach it. */
export const authorizationServiceBodySchema = z.strictObject({
  caPem: z
    .string()
    .min(1)
    .max(64 * 1024)
    .optional(),
  hubCannotReach: z.boolean().optional(),
  environment: z.enum(environments).optional(),
});

/** The bank officer asks for the key keeper's technical users; only which environment's. */
export const officerCredentialsBodySchema = z.strictObject({
  environment: z.enum(environments).optional(),
});

/** The whole list of identifiers the bank's operator requests (PUT semantics); the processing centre's rules judge them. */
export const identifiersBodySchema = z.strictObject({
  identifiers: z.array(z.string().min(1).max(64)).min(1).max(1000),
  environment: z.enum(environments).optional(),
});

/** Which environment's hub JWT key. */
export const jwtKeyQuerySchema = z.strictObject({ environment: z.enum(environments).default('sandbox') });

/** The whole allowlist (PUT semantics): addresses or CIDR blocks, IPv4 or IPv6; the workflow's checks judge them. */
export const ipAllowlistBodySchema = z.strictObject({
  entries: z.array(z.string().min(1).max(64)).max(256),
  environment: z.enum(environments).optional(),
});

const isoDuration = /^P(?:(\d{1,4})W)?(?:(\d{1,5})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,8})M)?(?:(\d{1,9})S)?)?$/;

/** An ISO 8601 duration in weeks, days, hours, minutes, seconds (`P3D`, `PT36H`, `P1W`) → ms. Years and months are refused: their length varies. */
export const durationSchema = z
  .string()
  .refine(
    (text) => isoDuration.test(text) && text !== 'P' && !text.endsWith('T'),
    'an ISO 8601 duration such as P3D, PT12H or P1W (no years or months)',
  )
  .transform((text) => {
    const [, w, d, h, m, sec] = isoDuration.exec(text) ?? [];
    const n = (v: string | undefined) => Number(v ?? 0);
    return (((n(w) * 7 + n(d)) * 24 + n(h)) * 60 + n(m)) * 60_000 + n(sec) * 1000;
  });

/** Every `name@environment` a wait can be known by in `OpenWaits` and `RefusedSubmissions`. */
function waitKeywords(names: readonly string[]): [string, ...string[]] {
  return names.flatMap((name) => environments.map((environment) => `${name}@${environment}`)) as [string, ...string[]];
}

export const searchQuerySchema = z.strictObject({
  kind: z.enum(onboardingKinds).optional(),
  state: z.enum(lifecycleStates).optional(),
  step: z.enum([...gateNames, ...submissionNames, ...taskNames, 'registration', 'done']).optional(),
  awaitingRole: z.enum([...approverRoles, 'participant']).optional(),
  openWait: z
    .enum(waitKeywords([...gateNames, ...submissionNames]))
    .optional()
    .describe('onboardings with this wait open, as name@environment (client-csr@sandbox)'),
  refusedSubmission: z
    .enum(waitKeywords(submissionNames))
    .optional()
    .describe('onboardings whose open submission (name@environment) was refused last and not sent again'),
  environment: z.enum(environments).optional(),
  participantId: participantIdSchema.optional(),
  certificateState: z.enum(certificateAlerts).optional().describe('live onboardings by the worst state of their certificates'),
  waitingLongerThan: durationSchema.optional(),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
  pageToken: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,4096}$/, 'the nextPageToken of the previous page')
    .optional(),
});
export type SearchQuery = z.infer<typeof searchQuerySchema>;

/** `olderThan` defaults to P3D. */
export const stuckQuerySchema = z.strictObject({
  olderThan: durationSchema.default(3 * 24 * 3600 * 1000),
});

export const cancelBodySchema = z.strictObject({ reason: text({ max: 500 }) });
