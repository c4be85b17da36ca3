/**
 * What each wait asks for, in words, and how to answer it: the route, the body's shape and the
 * participant kit's command. One table for the API's `next`, the kit's `next` and the mails, so a
 * participant reads the same instruction wherever it meets the wait.
 */
import type { AwaitedInput } from './state';
import type { GateName, SubmissionName } from './vocabulary';

export interface WaitGuide {
  /** What the hub waits for, as a sentence to the one who answers it. */
  what: string;
  /** The body's shape (`environment` added where the wait has one). */
  body: string;
  /** The kit's command for a participant's wait (without `--environment`); absent for staff gates. */
  kit?: string;
}

export const submissionGuides: Record<SubmissionName, WaitGuide> = {
  'certificate-bundle': {
    what: "Send your client certificate with its CA chain and the open instance's challenge signed with the certificate's key",
    body: '{ pem, challengeSignature, csrPem? }',
    kit: 'submit certificate-bundle',
  },
  'ip-allowlist': {
    what: 'Send the full list of addresses and blocks your systems connect from',
    body: '{ entries: ["203.0.113.10", "198.51.100.0/28"] }',
    kit: 'submit ip-allowlist --entries <a,b,…>',
  },
  'oauth-client': {
    what: 'Ask for your OAuth client (its secret is shown once, in the answer; the kit keeps it in its folder)',
    body: '{ authMethod?, tlsSubjectDn? }',
    kit: 'submit oauth-client',
  },
  'client-csr': {
    what: 'Send the CSR of your TLS client key (O = your legal name, CN = your participant id); the hub CA signs it',
    body: '{ csrPem }',
    kit: 'submit client-csr',
  },
  'server-certificate': {
    what: 'Send your callback server certificate with its CA chain (it must name your registered callback hosts)',
    body: '{ pem }',
    kit: 'submit server-certificate',
  },
  'hub-client-certificate': {
    what: "Sign the hub's CSR (in the open instance's provided.csrPem) with your CA and send the certificate with your CA chain",
    body: '{ pem }',
    kit: 'submit hub-client-certificate',
  },
  'jws-key': {
    what: "Send your JWS public key and the open instance's challenge signed with it (compact JWS, RS256 or ES256)",
    body: '{ keyPem, challengeJws }',
    kit: 'submit jws-key',
  },
  endpoints: {
    what: 'Send your FSPIOP callback URLs (on the hosts your server certificate names)',
    body: '{ callbacks: { FSPIOP_CALLBACK_URL_…: "https://…" } }',
    kit: 'submit endpoints --base <https://host[/prefix]>',
  },
  connectivity: {
    what: 'Once your callback servers are up, ask the hub to prove it reaches them over mTLS',
    body: '{}',
    kit: 'submit connectivity',
  },
  'uat-retest': {
    what: 'UAT was rejected: say what you fixed; the hub proves connectivity again and UAT reopens',
    body: '{ summary }',
    kit: 'submit uat-retest --summary <text>',
  },
  'contract-revision': {
    what: 'The contract was rejected: send the revised version',
    body: '{ summary, document: { label, url } }',
    kit: 'submit contract-revision --summary <text> --document <https-url>',
  },
  'go-live-readiness': {
    what: 'Go-live was rejected: say what was put right',
    body: '{ summary }',
    kit: 'submit go-live-readiness --summary <text>',
  },
  'authorization-service': {
    what: "Deploy your authorization service with the hub's JWT key (kit fetch jwt-key), then ask the hub to check it; send your server's CA if it is not public",
    body: '{ caPem?, hubCannotReach? }',
    kit: 'submit authorization-service [--ca <file>]',
  },
  'officer-credentials': {
    what: "Ask for the key keeper's technical users (identification, processing); their secrets are shown once",
    body: '{}',
    kit: 'submit officer-credentials',
  },
  identifiers: {
    what: 'Send the identifiers to register for your counterparty (the whole list)',
    body: '{ identifiers: ["UA-0001"] }',
    kit: 'submit identifiers --identifiers <a,b,…>',
  },
  'redirect-urls': {
    what: 'Send your OAuth redirect URIs (exact https) and callback URLs',
    body: '{ redirectUris: ["https://…"], callbackUrls? }',
    kit: 'submit redirect-urls --redirect-uri <https-url>',
  },
};

export const gateGuides: Record<GateName, WaitGuide> = {
  'application-review': { what: 'Review the application (use case, volume, APIs wanted)', body: '{ gate, decision, comment? }' },
  'certificate-review': { what: 'Review the certificate findings and decide', body: '{ gate, environment, decision, comment? }' },
  'uat-signoff': {
    what: "Sign off UAT on the hub's run and the participant's evidence",
    body: '{ gate, environment, decision, evidence, comment? }',
  },
  contract: { what: 'Record the signed scheme contract', body: '{ gate, environment, decision, comment? }' },
  'go-live': { what: 'Approve go-live (distinct approvers as the policy sets)', body: '{ gate, environment, decision, comment? }' },
  'ledger-setup': { what: 'Confirm the participant is set up in the hub ledger', body: '{ gate, environment, decision, comment? }' },
  'jwt-trust-check': { what: "Record the check of the bank's authorization service", body: '{ gate, environment, decision, comment? }' },
  'integration-test': {
    what: "Confirm the bank's integration test scenario on its evidence",
    body: '{ gate, environment, decision, evidence, comment? }',
  },
  'kickoff-call': { what: 'Hold the kickoff call the client asked for', body: '{ gate, decision, comment? }' },
  'bank-coordination': {
    what: "Confirm the bank-side operations the client's APIs need",
    body: '{ gate, environment, decision, comment? }',
  },
};

/** One open wait, said for the one who answers it. */
export interface NextStep {
  instanceId: string;
  type: AwaitedInput['type'];
  name: AwaitedInput['name'];
  environment: AwaitedInput['environment'];
  role: AwaitedInput['role'];
  since: string;
  what: string;
  route: string;
  body: string;
  /** The participant kit's command (participant waits only). */
  kit: string | null;
}

export function nextStepOf(participantId: string, wait: AwaitedInput): NextStep {
  const submission = wait.type === 'submission';
  const guide = submission ? submissionGuides[wait.name as SubmissionName] : gateGuides[wait.name as GateName];
  return {
    instanceId: wait.instanceId,
    type: wait.type,
    name: wait.name,
    environment: wait.environment,
    role: wait.role,
    since: wait.since,
    what: guide.what,
    route: submission ? `POST /onboardings/${participantId}/submissions/${wait.name}` : `POST /onboardings/${participantId}/approvals`,
    body: !submission
      ? guide.body
      : guide.body === '{}'
        ? `{ environment: "${wait.environment}" }`
        : guide.body.replace(/^\{ /, `{ environment: "${wait.environment}", `),
    kit: submission && guide.kit ? `npm run kit -- ${guide.kit} --environment ${wait.environment}` : null,
  };
}
