/**
 * Drives TPP onboardings through the API in integration tests: the participant's openssl-made
 * certificate bundles, and the calls each role makes.
 */
import type { FastifyInstance } from 'fastify';
import type { OnboardingStatus, SubmissionInstance } from '../../workflows/messages';
import { eventually } from './eventually';
import { caExt, clientExt, Issued, OpenSsl } from './openssl';
import type { testKeys } from './auth';
import { startBody } from './requests';

export interface TppBundles {
  /** Leaf (CN = participant id, O = Acme Pay Ltd, clientAuth) + intermediate + root, in order. */
  good: string;
  /** The same chain reversed, with text between blocks and the intermediate twice: repaired, not refused. */
  messy: string;
  /** A leaf with a 1024-bit key: KEY_SIZE_MIN fails. */
  weak: string;
  leaf: Issued;
  intermediate: Issued;
}

/** One participant CA per file is enough: leaves are made per participant id. */
export class TppPki {
  readonly ssl = new OpenSsl();
  /** The TPP's own root CA: what a hub puts on its trust list for the TPP's production certificate. */
  readonly root = this.ssl.selfSigned('tpp-root', 'rsa:2048', '/C=GB/O=Acme Pay Ltd/CN=Acme Root CA');
  private readonly intermediate = this.ssl.signed('tpp-inter', this.root, {
    subject: '/C=GB/O=Acme Pay Ltd/CN=Acme Issuing CA',
    ext: caExt,
  });

  bundlesFor(participantId: string): TppBundles {
    const subject = `/C=GB/O=Acme Pay Ltd/CN=${participantId}`;
    const leaf = this.ssl.signed(`leaf-${participantId}`, this.intermediate, { subject, ext: clientExt });
    const weakLeaf = this.ssl.signed(`weak-${participantId}`, this.intermediate, { subject, ext: clientExt, keySpec: 'rsa:1024' });
    return {
      good: leaf.cert + this.intermediate.cert + this.root.cert,
      messy: `exported from the key store\n${this.root.cert}${this.intermediate.cert}\nnotes\n${leaf.cert}${this.intermediate.cert}`,
      weak: weakLeaf.cert + this.intermediate.cert + this.root.cert,
      leaf,
      intermediate: this.intermediate,
    };
  }
}

/**
 * The calls each role makes, with real API keys: an operator starts, staff read, the approver named
 * in `decidedBy` decides (the body never names the approver), the participant submits its bundle.
 */
export function tppCalls(app: FastifyInstance, keys: ReturnType<typeof testKeys>) {
  return {
    start: (participantId: string) =>
      app.inject({ method: 'POST', url: '/onboardings', payload: startBody(participantId), headers: keys.as('tool@hub', 'operator') }),
    status: (participantId: string) =>
      app.inject({ method: 'GET', url: `/onboardings/${participantId}`, headers: keys.as('ops-viewer@hub', 'viewer') }),
    decide: (participantId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      const { decidedBy = 'approver@hub', ...payload } = body;
      return app.inject({
        method: 'POST',
        url: `/onboardings/${participantId}/approvals`,
        payload,
        headers: { ...keys.staff(String(decidedBy)), ...headers },
      });
    },
    submit: (participantId: string, name: string, payload: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: `/onboardings/${participantId}/submissions/${name}`,
        payload,
        headers: keys.as(`it@${participantId}`, `participant:${participantId}`),
      }),
    submitBundle: (participantId: string, pem: string, environment?: string, requestId?: string) =>
      app.inject({
        method: 'POST',
        url: `/onboardings/${participantId}/submissions/certificate-bundle`,
        payload: { pem, ...(environment ? { environment } : {}) },
        headers: { ...keys.as(`it@${participantId}`, `participant:${participantId}`), ...(requestId ? { 'x-request-id': requestId } : {}) },
      }),
  };
}

type Calls = ReturnType<typeof tppCalls>;
type Reply = Awaited<ReturnType<Calls['status']>>;

/** The onboarding once every instance named is open. */
export async function awaitingAll(calls: Calls, participantId: string, ids: string[]): Promise<OnboardingStatus> {
  return eventually(async () => {
    const s = (await calls.status(participantId)).json().onboarding as OnboardingStatus | null;
    return s && ids.every((id) => s.awaiting.some((a) => a.instanceId === id)) ? s : undefined;
  });
}

/**
 * The technical evaluation as a client makes it: the open certificate-bundle instance's challenge
 * signed with the certificate's key (`openssl dgst -sha256 -sign`), base64, with the bundle.
 */
export async function submitEvaluation(
  calls: Calls,
  ssl: OpenSsl,
  participantId: string,
  pem: string,
  keyFile: string,
  environment = 'sandbox',
  extra: Record<string, unknown> = {},
): Promise<Reply> {
  const s = (await calls.status(participantId)).json().onboarding as OnboardingStatus;
  const open = s.instances.find((i) => i.name === 'certificate-bundle' && i.environment === environment && i.status === 'open') as
    SubmissionInstance | undefined;
  const challenge = String(open?.provided?.challenge ?? '');
  const challengeSignature = Buffer.from(ssl.signChallenge(keyFile, challenge)).toString('base64');
  return calls.submit(participantId, 'certificate-bundle', { pem, environment, challengeSignature, ...extra });
}

export const redirectUris = ['https://app.acme.example/oauth/callback'];
export const uatEvidence = [{ label: 'UAT report', url: 'https://docs.hub.example/uat/tpp.pdf' }];

/**
 * The usual sandbox of a TPP, from the open application review: approved, the good bundle evaluated,
 * the sandbox OAuth client and redirect URLs. Returns the sandbox client.
 */
export async function tppThroughSandbox(
  calls: Calls,
  pki: TppPki,
  participantId: string,
  bundles: TppBundles,
): Promise<{ clientId: string; secret: string }> {
  await awaitingAll(calls, participantId, ['application-review@sandbox#1']);
  expect((await calls.decide(participantId, { gate: 'application-review', decision: 'approved', decidedBy: 'bob@hub' })).statusCode).toBe(
    200,
  );
  await awaitingAll(calls, participantId, ['certificate-bundle@sandbox#1']);
  expect((await submitEvaluation(calls, pki.ssl, participantId, bundles.good, bundles.leaf.keyFile)).statusCode).toBe(200);
  await awaitingAll(calls, participantId, ['oauth-client@sandbox#1', 'redirect-urls@sandbox#1']);
  const client = await calls.submit(participantId, 'oauth-client', { environment: 'sandbox' });
  expect(client.statusCode).toBe(200);
  expect((await calls.submit(participantId, 'redirect-urls', { environment: 'sandbox', redirectUris })).statusCode).toBe(200);
  return { clientId: client.json().submission.artifact.clientId, secret: client.json().secret.value };
}

/** UAT and contract approved, then production: a CSR signed by the hub CA, a public allowlist, the production client and URLs; up to the open go-live. */
export async function tppThroughProduction(
  calls: Calls,
  pki: TppPki,
  participantId: string,
  opts: { signOffs?: boolean } = {},
): Promise<{ clientId: string; secret: string; certificatePem: string; chainPem: string; keyFile: string }> {
  if (opts.signOffs !== false) {
    await awaitingAll(calls, participantId, ['uat-signoff@sandbox#1', 'contract@production#1']);
    expect(
      (await calls.decide(participantId, { gate: 'uat-signoff', decision: 'approved', decidedBy: 'omar@hub', evidence: uatEvidence }))
        .statusCode,
    ).toBe(200);
    expect((await calls.decide(participantId, { gate: 'contract', decision: 'approved', decidedBy: 'lena@hub' })).statusCode).toBe(200);
  }
  await awaitingAll(calls, participantId, [
    'client-csr@production#1',
    'ip-allowlist@production#1',
    'oauth-client@production#1',
    'redirect-urls@production#1',
  ]);
  const keyFile = pki.ssl.key(`prod-${participantId}.key`, 'rsa:2048');
  const signed = await calls.submit(participantId, 'client-csr', {
    environment: 'production',
    csrPem: pki.ssl.csr(`prod-${participantId}.csr`, keyFile, `/C=GB/O=Acme Pay Ltd/CN=${participantId}`),
  });
  expect(signed.statusCode).toBe(200);
  expect((await calls.submit(participantId, 'ip-allowlist', { environment: 'production', entries: ['93.184.216.34'] })).statusCode).toBe(
    200,
  );
  const client = await calls.submit(participantId, 'oauth-client', { environment: 'production' });
  expect(client.statusCode).toBe(200);
  expect((await calls.submit(participantId, 'redirect-urls', { environment: 'production', redirectUris })).statusCode).toBe(200);
  await awaitingAll(calls, participantId, ['go-live@production#1']);
  const certificate = signed.json().submission.artifact as { certificatePem: string; chainPem: string };
  return {
    clientId: client.json().submission.artifact.clientId,
    secret: client.json().secret.value,
    certificatePem: certificate.certificatePem,
    chainPem: certificate.chainPem,
    keyFile,
  };
}
