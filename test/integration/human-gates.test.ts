/**
 * Human gates in full, against the real dev server, through the API, with e-mail read back from a
 * real SMTP server (Mailpit), with the API's request proofs as in production: decisions sent
 * straight to Temporal (a Signal from the CLI, an Update, a forged or copied proof) refused and
 * audited as unverified, cancellations audited with who and why; 2-of-N go-live with a duplicate approver refused; a contract rejected, revised and
 * approved in round 2; reminders, escalation and expiry on second-scale timers, then resume;
 * suspend/resume with no reminder while suspended; the audit in JSON and CSV.
 */
import { execFileSync } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../api/app';
import { defaultGatePolicyConfig, GatePolicyConfig } from '../../api/gate-policy';
import { OnboardingGateway } from '../../api/onboarding-gateway';
import { loadDevConfig, temporalBinaryPath } from '../../scripts/temporal-dev-config';
import { decideGate, onboardingWorkflowId, OnboardingStatus, submit } from '../../workflows/messages';
import { loadRequestProofKey, proveRequest } from '../../activities/identity/request-proof';
import { randomBytes } from 'node:crypto';
import { testKeys } from '../support/auth';
import { eventually } from '../support/eventually';
import { recordHistory } from '../support/histories';
import { startTestMailpit } from '../support/mailpit';
import { startBody } from '../support/requests';
import { bundleWorkflows, createTestStack, TestStack } from '../support/temporal-env';
import { clientExt } from '../support/openssl';
import { redirectUris, submitEvaluation, TppPki, tppCalls, tppThroughProduction, uatEvidence } from '../support/tpp-journey';
import { openSecretPickups } from '../../activities/credentials/secret-pickup';
import { openRegistry, registryFile, type RegistryDb } from '../../activities/registry/database';

let stack: TestStack;
let mailpit: Awaited<ReturnType<typeof startTestMailpit>>;
const keys = testKeys();
const pki = new TppPki();
const apps: FastifyInstance[] = [];
let db: RegistryDb;
/** The API's proof key: the one the stack's worker checks with (its DATA_DIR's, as one hub's API and worker share it). */
let proofKey: Buffer;

/** An API whose onboardings start with this policy (quiet timers unless a test sets them). */
async function apiWith(policy: Partial<GatePolicyConfig> = {}) {
  const quiet = { remindEveryMs: null, escalateAfterMs: null, expireAfterMs: null };
  const app = buildApp({
    // With the proof key the worker checks (the stack's DATA_DIR key): the production shape, proofs required.
    gateway: new OnboardingGateway(
      stack.client,
      stack.taskQueue,
      undefined,
      { ...defaultGatePolicyConfig, timers: quiet, ...policy },
      proofKey,
    ),
    authenticator: keys.authenticator,
    logger: pino({ level: process.env.TEST_API_LOG ?? 'silent' }),
    secretPickups: openSecretPickups(db, stack.dataDir),
  });
  await app.ready();
  apps.push(app);
  const operator = keys.as('olga@hub', 'operator');
  return {
    calls: tppCalls(app, keys),
    start: (id: string) => app.inject({ method: 'POST', url: '/onboardings', payload: startBody(id), headers: operator }),
    status: async (id: string) =>
      (await app.inject({ method: 'GET', url: `/onboardings/${id}`, headers: keys.as('viewer@hub', 'viewer') })).json()
        .onboarding as OnboardingStatus,
    decide: (id: string, by: string, body: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: `/onboardings/${id}/approvals`, payload: body, headers: keys.staff(by) }),
    bundle: (id: string, pem: string, environment: string) =>
      app.inject({
        method: 'POST',
        url: `/onboardings/${id}/submissions/certificate-bundle`,
        payload: { pem, environment },
        headers: keys.as(`it@${id}`, `participant:${id}`),
      }),
    submit: (id: string, name: string, payload: Record<string, unknown>) =>
      app.inject({
        method: 'POST',
        url: `/onboardings/${id}/submissions/${name}`,
        payload,
        headers: keys.as(`it@${id}`, `participant:${id}`),
      }),
    cancel: (id: string, reason: string) =>
      app.inject({ method: 'POST', url: `/onboardings/${id}/cancel`, payload: { reason }, headers: operator }),
    halt: (id: string, action: 'suspend' | 'resume', reason: string) =>
      app.inject({ method: 'POST', url: `/onboardings/${id}/${action}`, payload: { reason }, headers: operator }),
    search: (query: string) => app.inject({ method: 'GET', url: `/onboardings?${query}`, headers: keys.as('viewer@hub', 'viewer') }),
    audit: (id: string, accept = 'application/json') =>
      app.inject({ method: 'GET', url: `/onboardings/${id}/audit`, headers: { ...keys.as('auditor@hub', 'viewer'), accept } }),
  };
}

function awaiting(api: Awaited<ReturnType<typeof apiWith>>, id: string, instanceIds: string[]): Promise<OnboardingStatus> {
  return eventually(async () => {
    const s = await api.status(id);
    return JSON.stringify(s?.awaiting.map((a) => a.instanceId).sort()) === JSON.stringify([...instanceIds].sort()) ? s : undefined;
  });
}

/** Sends a decision as ops do from a terminal: `temporal workflow signal … --name decideGate --input '{…}'`. */
function signalWithCli(participantId: string, input: Record<string, unknown>): void {
  execFileSync(
    temporalBinaryPath(loadDevConfig()),
    [
      'workflow',
      'signal',
      '--address',
      String(process.env.TEMPORAL_TEST_ADDRESS),
      '--namespace',
      stack.namespace,
      '--workflow-id',
      onboardingWorkflowId(participantId),
      '--name',
      'decideGate',
      '--input',
      JSON.stringify(input),
    ],
    { stdio: 'pipe' },
  );
}

const mailsTo = async (address: string, participantId: string) =>
  (await mailpit.messages())
    .filter((m) => m.To.some((t) => t.Address === address) && m.Subject.startsWith(`[${participantId}]`))
    .map((m) => m.Subject);

beforeAll(async () => {
  mailpit = await startTestMailpit();
  stack = await createTestStack(await bundleWorkflows(), `human-gates-${Date.now()}`);
  await stack.startWorker({ mail: mailpit.mailConfig(stack.namespace) });
  db = await openRegistry(registryFile(stack.dataDir));
  proofKey = loadRequestProofKey({}, stack.dataDir);
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await db?.destroy();
  await stack?.close();
  await mailpit?.stop();
});

describe('decisions only from proven identities', () => {
  it('refuses a decision sent straight to Temporal (a Signal from the CLI, an Update naming any approver, a forged or copied proof), records it as unverified, counts it for nothing; the API decides', async () => {
    const api = await apiWith();
    const id = 'gates-signal';
    expect((await api.start(id)).statusCode).toBe(201);
    await awaiting(api, id, ['application-review@sandbox#1']);

    // A signal from a terminal (as the Web UI's "Send a Signal" does): no proof possible, refused and recorded with why.
    signalWithCli(id, { gate: 'application-review', decision: 'approved', decidedBy: 'Bea (ops console)', comment: 'licence checked' });
    const refused = await eventually(async () => {
      const s = await api.status(id);
      return (s.interventions ?? []).length === 1 ? s : undefined;
    });
    expect(refused.interventions).toEqual([
      expect.objectContaining({ action: 'signal-refused', by: 'Bea (ops console)', via: 'signal', code: 'REQUEST_NOT_PROVEN' }),
    ]);

    // An Update sent straight to Temporal (the UI's Update dialog), naming an approver: refused, nothing recorded as theirs.
    const handle = stack.client.workflow.getHandle(onboardingWorkflowId(id));
    const notAfter = new Date(Date.now() + 60_000).toISOString();
    const bare = { gate: 'application-review' as const, decision: 'approved' as const, decidedBy: 'biz-1', notAfter };
    await expect(handle.executeUpdate(decideGate, { args: [bare] })).rejects.toMatchObject({ cause: { type: 'REQUEST_NOT_PROVEN' } });
    // A proof made with another key, and the API's own proof of another request (copied onto a changed one): refused alike.
    const forged = proveRequest(randomBytes(32), handle.workflowId, 'decideGate', bare);
    await expect(handle.executeUpdate(decideGate, { args: [{ ...bare, proof: forged }] })).rejects.toMatchObject({
      cause: { type: 'REQUEST_NOT_PROVEN' },
    });
    const genuine = proveRequest(proofKey, handle.workflowId, 'decideGate', { ...bare, decidedBy: 'alice@hub' });
    await expect(handle.executeUpdate(decideGate, { args: [{ ...bare, proof: genuine }] })).rejects.toMatchObject({
      cause: { type: 'REQUEST_NOT_PROVEN' },
    });
    const still = await api.status(id);
    expect(still.instances.find((i) => i.id === 'application-review@sandbox#1')).toMatchObject({ status: 'open', decisions: [] });
    // The audit keeps each attempt under the name it claimed, via temporal, unverified.
    const audit = (await api.audit(id)).json().entries as { type: string; actor: string; via: string; codes: string[]; note: string }[];
    expect(audit.filter((e) => e.type === 'request-refused')).toEqual([
      expect.objectContaining({
        actor: 'biz-1',
        via: 'temporal',
        codes: ['REQUEST_NOT_PROVEN'],
        note: 'request claimed by biz-1 via temporal, unverified: refused',
      }),
      expect.objectContaining({ actor: 'biz-1', via: 'temporal' }),
      expect.objectContaining({ actor: 'biz-1', via: 'temporal' }),
    ]);

    // Through the API (the principal authenticated, the proof made): taken at once.
    expect(
      (await api.decide(id, 'bea@hub', { gate: 'application-review', decision: 'approved', comment: 'licence checked' })).statusCode,
    ).toBe(200);
    const moved = await awaiting(api, id, ['certificate-bundle@sandbox#1']);
    expect(moved.instances.find((i) => i.id === 'application-review@sandbox#1')).toMatchObject({
      status: 'approved',
      decision: { decidedBy: 'bea@hub', via: 'api', comment: 'licence checked' },
    });
    // A submission sent straight to Temporal is refused the same way; the participant's own, through the API, is checked.
    await expect(
      handle.executeUpdate(submit, { args: [{ name: 'certificate-bundle', submittedBy: `it@${id}`, payload: { pem: 'x' }, notAfter }] }),
    ).rejects.toMatchObject({ cause: { type: 'REQUEST_NOT_PROVEN' } });
  });

  it('audits a cancellation with who and why through the API, and one sent straight to Temporal as unverified', async () => {
    const api = await apiWith();
    for (const id of ['gates-cancel-api', 'gates-cancel-ui']) {
      expect((await api.start(id)).statusCode).toBe(201);
      await awaiting(api, id, ['application-review@sandbox#1']);
    }
    const cancelled = await api.cancel('gates-cancel-api', 'duplicate application (ticket 4711)');
    expect(cancelled.statusCode).toBe(202);
    await stack.client.workflow.getHandle(onboardingWorkflowId('gates-cancel-ui')).cancel();
    const ended = async (id: string) =>
      eventually(async () => {
        const s = await api.status(id).catch(() => undefined);
        return s?.state === 'cancelled' ? s : undefined;
      });
    const viaApi = await ended('gates-cancel-api');
    expect(viaApi.history.at(-1)?.note).toBe('cancelled by olga@hub: duplicate application (ticket 4711)');
    expect(viaApi.interventions).toEqual([
      expect.objectContaining({ action: 'cancel-requested', by: 'olga@hub', via: 'api', reason: 'duplicate application (ticket 4711)' }),
    ]);
    const viaUi = await ended('gates-cancel-ui');
    expect(viaUi.history.at(-1)?.note).toBe('cancelled through Temporal, not the API (who is not verified)');
    expect(viaUi.interventions).toEqual([expect.objectContaining({ action: 'cancel-requested', by: '(unknown)', via: 'temporal' })]);
  });
});

describe('N-of-M, rework rounds, audit', () => {
  it('needs 2 distinct approvers for go-live (a duplicate refused, partial approvals visible); a rejected contract comes back revised and is approved in round 2; the audit lists it all in JSON and CSV', async () => {
    const api = await apiWith();
    const id = 'gates-two';
    const bundles = pki.bundlesFor(id);
    await api.start(id);
    await awaiting(api, id, ['application-review@sandbox#1']);
    expect((await api.decide(id, 'alice@hub', { gate: 'application-review', decision: 'approved' })).statusCode).toBe(200);
    await awaiting(api, id, ['certificate-bundle@sandbox#1']);
    expect((await api.bundle(id, bundles.weak, 'sandbox')).statusCode).toBe(422);
    expect((await submitEvaluation(api.calls, pki.ssl, id, bundles.good, bundles.leaf.keyFile)).statusCode).toBe(200);
    await awaiting(api, id, ['oauth-client@sandbox#1', 'redirect-urls@sandbox#1']);
    expect((await api.submit(id, 'oauth-client', { environment: 'sandbox' })).statusCode).toBe(200);
    expect((await api.submit(id, 'redirect-urls', { environment: 'sandbox', redirectUris })).statusCode).toBe(200);
    await awaiting(api, id, ['uat-signoff@sandbox#1', 'contract@production#1']);

    // Contract round 1 rejected → the participant sends the new version → round 2 approved (UAT stays awaited beside it).
    expect(
      (await api.decide(id, 'lena@hub', { gate: 'contract', decision: 'rejected', comment: 'liability clause unsigned' })).statusCode,
    ).toBe(200);
    await awaiting(api, id, ['uat-signoff@sandbox#1', 'contract-revision@production#1']);
    const noDocument = await api.submit(id, 'contract-revision', { summary: 'signed clause 7' });
    expect([noDocument.statusCode, noDocument.json().code]).toEqual([400, 'VALIDATION_FAILED']);
    const revised = await api.submit(id, 'contract-revision', {
      summary: 'signed clause 7',
      document: { label: 'contract v2', url: 'https://docs.acme.example/contract-v2.pdf' },
    });
    expect(revised.statusCode).toBe(200);
    await awaiting(api, id, ['uat-signoff@sandbox#1', 'contract@production#2']);
    expect((await api.decide(id, 'lena@hub', { gate: 'contract', decision: 'approved', comment: 'v2 in order' })).statusCode).toBe(200);
    expect((await api.decide(id, 'omar@hub', { gate: 'uat-signoff', decision: 'approved', evidence: uatEvidence })).statusCode).toBe(200);
    await tppThroughProduction(api.calls, pki, id, { signOffs: false });

    // Go-live: 2 distinct approvers.
    const open = await awaiting(api, id, ['go-live@production#1']);
    expect(open.awaiting[0]).toMatchObject({ approvals: { have: [], need: 2 } });
    const first = await api.decide(id, 'omar@hub', { gate: 'go-live', decision: 'approved' });
    expect(first.statusCode).toBe(200);
    expect(first.json().decision).toMatchObject({
      status: 'open',
      required: 2,
      decisions: [expect.objectContaining({ decidedBy: 'omar@hub', via: 'api' })],
    });
    // The update's own answer: the progress as the decision left it, and what this approver is asked next (not go-live again).
    expect(first.json().progress.awaiting[0]).toMatchObject({
      instanceId: 'go-live@production#1',
      approvals: { have: ['omar@hub'], need: 2 },
    });
    expect(first.json()).not.toHaveProperty('onboarding');
    expect(first.json().next.map((n: { instanceId: string }) => n.instanceId)).not.toContain('go-live@production#1');
    // A viewer decides nothing: it is asked nothing.
    expect((await api.calls.status(id)).json().next).toEqual([]);
    const again = await api.decide(id, 'omar@hub', { gate: 'go-live', decision: 'approved' });
    expect([again.statusCode, again.json().code]).toEqual([409, 'APPROVER_ALREADY_DECIDED']);
    // A second "approver" signing a signal straight to Temporal does not complete the 2-of-N go-live.
    signalWithCli(id, { gate: 'go-live', environment: 'production', decision: 'approved', decidedBy: 'ops-2' });
    await eventually(async () => ((await api.status(id)).interventions.some((i) => i.by === 'ops-2') ? true : undefined));
    expect((await api.status(id)).instances.find((i) => i.id === 'go-live@production#1')).toMatchObject({
      status: 'open',
      decisions: [expect.objectContaining({ decidedBy: 'omar@hub', via: 'api' })],
    });
    const second = await api.decide(id, 'pia@hub', { gate: 'go-live', decision: 'approved' });
    expect(second.statusCode).toBe(200);
    const done = await eventually(async () => {
      const s = await api.status(id);
      return s.state === 'live' ? s : undefined;
    });
    expect(done.instances.filter((i) => i.name === 'contract').map((i) => `${i.id}=${i.status}`)).toEqual([
      'contract@production#1=rejected',
      'contract@production#2=approved',
    ]);

    // The audit: JSON …
    const audit = await api.audit(id);
    expect(audit.statusCode).toBe(200);
    const entries = audit.json().entries as {
      type: string;
      instanceId: string | null;
      actor: string | null;
      via: string | null;
      outcome: string | null;
      codes: string[];
      comment: string | null;
    }[];
    const line = (e: (typeof entries)[number]) => `${e.type} ${e.instanceId ?? '-'} ${e.actor ?? '-'} ${e.outcome ?? '-'}`;
    const lines = entries.map(line);
    const order = [
      'decision application-review@sandbox#1 alice@hub approved',
      `submission certificate-bundle@sandbox#1 it@${id} refused`,
      `submission certificate-bundle@sandbox#1 it@${id} accepted`,
      'decision contract@production#1 lena@hub rejected',
      `submission contract-revision@production#1 it@${id} accepted`,
      'decision contract@production#2 lena@hub approved',
      'decision go-live@production#1 omar@hub approved',
      'decision go-live@production#1 pia@hub approved',
    ];
    expect(lines.filter((l) => order.includes(l))).toEqual(order);
    expect(entries.find((e) => e.outcome === 'refused')?.codes).toContain('KEY_SIZE_MIN');
    expect(entries.find((e) => e.instanceId === 'contract@production#1' && e.type === 'decision')?.comment).toBe(
      'liability clause unsigned',
    );
    expect(entries.map((e) => e.type)).toContain('state');
    const times = entries.map((e) => (e as unknown as { at: string }).at);
    expect([...times].sort()).toEqual(times);

    // … and CSV.
    const csv = await api.audit(id, 'text/csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = csv.body.trimEnd().split('\r\n');
    expect(rows[0]).toBe('at,type,instanceId,environment,round,actor,via,outcome,codes,comment,evidence,note');
    expect(rows).toHaveLength(entries.length + 1);
    expect(
      rows.some((r) => r.includes(',decision,contract@production#1,production,1,lena@hub,api,rejected,,liability clause unsigned,')),
    ).toBe(true);
    // The replay test's history of human gates (contract rework round, 2-of-N go-live, a refused duplicate).
    recordHistory(id, 'tpp-gates-rework.json');
  });
});

describe('reminders, escalation, expiry, suspend and resume (second-scale timers, mail read back from Mailpit)', () => {
  it('reminds the awaited team, tells the escalation contact, then expires the onboarding until an operator resumes it', async () => {
    const api = await apiWith({ timers: { remindEveryMs: 2000, escalateAfterMs: 5000, expireAfterMs: 8000 } });
    const id = 'gates-chase';
    await api.start(id);
    await awaiting(api, id, ['application-review@sandbox#1']);
    const expired = await eventually(async () => {
      const s = await api.status(id);
      return s.state === 'expired' ? s : undefined;
    }, 30_000);
    expect(expired.halt).toMatchObject({ state: 'expired', by: 'timer', instanceId: 'application-review@sandbox#1' });
    const chase = expired.instances[0]?.chase;
    expect(chase?.events.map((e) => `${e.type}${e.n ?? ''}→${e.to}`)).toEqual([
      'reminder1→business',
      'reminder2→business',
      'escalation→escalation',
      'reminder3→business',
      'expiry→business',
    ]);

    // The e-mails, read back from the SMTP server.
    const toBusiness = await eventually(async () => {
      const subjects = await mailsTo('business@hub.test', id);
      return subjects.length >= 5 ? subjects : undefined;
    });
    expect(toBusiness.sort()).toEqual(
      [
        `[${id}] application-review@sandbox#1 is waiting for business`,
        `[${id}] Reminder 1: application-review@sandbox#1 is still waiting for business`,
        `[${id}] Reminder 2: application-review@sandbox#1 is still waiting for business`,
        `[${id}] Reminder 3: application-review@sandbox#1 is still waiting for business`,
        `[${id}] Expired: application-review@sandbox#1 was not answered; the onboarding is on hold`,
      ].sort(),
    );
    const toLead = await eventually(async () => {
      const subjects = await mailsTo('escalation@hub.test', id);
      return subjects.length >= 2 ? subjects : undefined;
    });
    expect(toLead.some((s) => s.startsWith(`[${id}] Escalation: application-review@sandbox#1 has waited for business since`))).toBe(true);
    const reminder = (await mailpit.messages()).find(
      (m) => m.Subject === `[${id}] Reminder 1: application-review@sandbox#1 is still waiting for business`,
    );
    const text = await mailpit.text(reminder?.ID ?? '');
    expect(text).toContain(`https://hub.test/api/onboardings/${id}`);
    expect(text).toContain(`/workflows/onboarding-${id}`);
    expect(text).toContain(`Waiting since ${expired.instances[0]?.openedAt}`);

    // Expired: decisions are refused until an operator resumes it.
    const refused = await api.decide(id, 'alice@hub', { gate: 'application-review', decision: 'approved' });
    expect([refused.statusCode, refused.json().code]).toEqual([409, 'ONBOARDING_HALTED']);
    const resumed = await api.halt(id, 'resume', 'applicant answered by phone');
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json().onboarding).toMatchObject({ state: 'awaiting-approval', halt: null });
    expect((await api.decide(id, 'alice@hub', { gate: 'application-review', decision: 'approved' })).statusCode).toBe(200);
    await awaiting(api, id, ['certificate-bundle@sandbox#1']);
  }, 60_000);

  it('stops the clock while suspended (no reminder fires) and resumes where it stood', async () => {
    const api = await apiWith({ timers: { remindEveryMs: 3000, escalateAfterMs: null, expireAfterMs: null } });
    const id = 'gates-suspend';
    await api.start(id);
    await awaiting(api, id, ['application-review@sandbox#1']);
    const suspended = await api.halt(id, 'suspend', 'sanctions screening pending');
    expect(suspended.statusCode).toBe(200);
    expect(suspended.json().onboarding).toMatchObject({
      state: 'suspended',
      halt: { state: 'suspended', by: 'olga@hub', reason: 'sanctions screening pending' },
    });
    const twice = await api.halt(id, 'suspend', 'again');
    expect([twice.statusCode, twice.json().code]).toEqual([409, 'HALT_STATE_CONFLICT']);
    const decided = await api.decide(id, 'alice@hub', { gate: 'application-review', decision: 'approved' });
    expect([decided.statusCode, decided.json().code]).toEqual([409, 'ONBOARDING_HALTED']);

    await new Promise((r) => setTimeout(r, 7000));
    const still = await api.status(id);
    expect(still.instances[0]?.chase?.events).toEqual([]);
    expect(await mailsTo('business@hub.test', id)).toEqual([`[${id}] application-review@sandbox#1 is waiting for business`]);

    expect((await api.halt(id, 'resume', 'screening cleared')).statusCode).toBe(200);
    const reminded = await eventually(async () => {
      const s = await api.status(id);
      return (s.instances[0]?.chase?.events.length ?? 0) >= 1 ? s : undefined;
    }, 15_000);
    expect(reminded.instances[0]?.chase?.events[0]).toMatchObject({ type: 'reminder', n: 1 });
    // The reminder came 3 s of running time after the opening: after the resume, not during the suspension.
    const resumedAt = (reminded.interventions ?? []).find((v) => v.action === 'resumed')?.at ?? '';
    expect(Date.parse(reminded.instances[0]?.chase?.events[0]?.at ?? '')).toBeGreaterThan(Date.parse(resumedAt));
    const audit = (await api.audit(id)).json().entries as { type: string; actor: string | null; comment: string | null }[];
    expect(
      audit
        .filter((e) => e.type === 'suspended' || e.type === 'resumed' || e.type === 'reminder')
        .map((e) => `${e.type} ${e.actor ?? '-'} ${e.comment ?? '-'}`),
    ).toEqual(['suspended olga@hub sanctions screening pending', 'resumed olga@hub screening cleared', 'reminder - -']);
  }, 60_000);
});

describe('certificates after go-live', () => {
  it('opens a renewal round for a certificate issued with a short validity, mails the participant and ops, stays live, and puts the renewed certificate in force', async () => {
    const leadMs = 2 * 86_400_000;
    const api = await apiWith({ renewalLeadMs: leadMs });
    const id = 'gates-renewal';
    const bundles = pki.bundlesFor(id);
    const root = bundles.good.slice(bundles.leaf.cert.length + bundles.intermediate.cert.length);
    const subject = `/C=GB/O=Acme Pay Ltd/CN=${id}`;
    // The sandbox certificate (made by openssl) ends the renewal lead time and 15 s from now: its renewal opens 15 s from now.
    const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:T]|\.\d{3}/g, ''); // YYYYMMDDHHMMSSZ
    const end = Math.floor((Date.now() + leadMs + 15_000) / 1000) * 1000;
    const short = pki.ssl.signedWithDates(
      `short-${id}`,
      bundles.intermediate,
      subject,
      stamp(end - leadMs - 120_000),
      stamp(end),
      clientExt,
    );
    expect((await api.start(id)).statusCode).toBe(201);
    await awaiting(api, id, ['application-review@sandbox#1']);
    expect((await api.decide(id, 'alice@hub', { gate: 'application-review', decision: 'approved' })).statusCode).toBe(200);
    await awaiting(api, id, ['certificate-bundle@sandbox#1']);
    expect((await submitEvaluation(api.calls, pki.ssl, id, short.cert + bundles.intermediate.cert + root, short.keyFile)).statusCode).toBe(
      200,
    );
    await awaiting(api, id, ['oauth-client@sandbox#1', 'redirect-urls@sandbox#1']);
    expect((await api.submit(id, 'oauth-client', { environment: 'sandbox' })).statusCode).toBe(200);
    expect((await api.submit(id, 'redirect-urls', { environment: 'sandbox', redirectUris })).statusCode).toBe(200);
    await tppThroughProduction(api.calls, pki, id);
    expect((await api.decide(id, 'omar@hub', { gate: 'go-live', decision: 'approved' })).statusCode).toBe(200);
    expect((await api.decide(id, 'pia@hub', { gate: 'go-live', decision: 'approved' })).statusCode).toBe(200);

    // Live; the sandbox certificate's renewal opens as round 2 of its submission, the production one is not due.
    const due = await awaiting(api, id, ['certificate-bundle@sandbox#2']);
    expect(due.state).toBe('live');
    expect(due.certificates?.map((c) => `${c.id}=${c.state}`)).toEqual([
      'certificate-bundle@sandbox#1=renewal-due',
      'client-csr@production#1=valid',
    ]);
    expect(due.certificates?.[0]).toMatchObject({ notAfter: new Date(end).toISOString(), renewal: 'certificate-bundle@sandbox#2' });
    expect(Date.parse(due.certificates?.[0]?.renewalOpenedAt ?? '')).toBeGreaterThanOrEqual(end - leadMs - 100);
    expect(due.interventions).toEqual([
      expect.objectContaining({ action: 'renewal-opened', by: 'timer', via: 'timer', instanceId: 'certificate-bundle@sandbox#2' }),
    ]);
    // Ops find it in the list: live, a certificate due for renewal (the CertificateState search attribute).
    const listed = await eventually(async () => {
      const page = (await api.search('state=live&certificateState=renewal-due')).json() as {
        onboardings: { participantId: string; certificateState: string | null }[];
      };
      return page.onboardings.find((o) => o.participantId === id);
    });
    expect(listed.certificateState).toBe('renewal-due');
    const subjectLine = `[${id}] Certificate renewal due: certificate-bundle@sandbox#2`;
    for (const to of ['it@acme.example', 'ops@hub.test']) {
      expect(await eventually(async () => ((await mailsTo(to, id)).includes(subjectLine) ? true : undefined))).toBe(true);
    }
    const notice = (await mailpit.messages()).find((m) => m.Subject === subjectLine);
    expect(await mailpit.text(notice?.ID ?? '')).toContain(`serial ${due.certificates?.[0]?.serialHex}`);

    // A go-live decision now has nothing to decide; the renewal is the same submission, in the same onboarding.
    const late = await api.decide(id, 'omar@hub', { gate: 'go-live', decision: 'approved' });
    expect([late.statusCode, late.json().code]).toEqual([409, 'GATE_NOT_AWAITED']);
    const renewedLeaf = pki.ssl.signed(`renewed-${id}`, bundles.intermediate, { subject, ext: clientExt });
    const renewed = await submitEvaluation(
      api.calls,
      pki.ssl,
      id,
      renewedLeaf.cert + bundles.intermediate.cert + root,
      renewedLeaf.keyFile,
    );
    expect(renewed.statusCode).toBe(200);
    expect(renewed.json().submission).toMatchObject({ id: 'certificate-bundle@sandbox#2', status: 'accepted' });
    const inForce = await eventually(async () => {
      const s = await api.status(id);
      return s.certificates?.length === 3 ? s : undefined;
    });
    expect(inForce).toMatchObject({ state: 'live', awaiting: [] });
    expect(inForce.certificates?.map((c) => `${c.id}=${c.state}`)).toEqual([
      'certificate-bundle@sandbox#1=replaced',
      'client-csr@production#1=valid',
      'certificate-bundle@sandbox#2=valid',
    ]);
    const audit = (await api.audit(id)).json().entries as { type: string; instanceId: string | null; outcome: string | null }[];
    expect(audit.filter((e) => e.instanceId === 'certificate-bundle@sandbox#2').map((e) => `${e.type} ${e.outcome ?? '-'}`)).toEqual(
      expect.arrayContaining(['renewal-opened -', 'submission accepted']),
    );
    // The replay test's live TPP history (N-of-M go-live, renewal opened and accepted): `RECORD_HISTORIES=1 npx jest test/integration/human-gates.test.ts`.
    recordHistory(id, 'tpp-live-renewed.json');
  }, 90_000);
});
