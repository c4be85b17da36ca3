/**
 * A TPP and a bank go through their whole journeys with the participant kit (DFSP: the interop
 * test, where the kit's pack runs Mojaloop's SDK): an operator starts each onboarding and issues
 * the participant's key through the API; staff decide through the API; everything the participant
 * does is a kit command against the API over real HTTP. Private keys never leave the kit's folder.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { onboardingWorkflowId, type OnboardingStatus } from '../../workflows/messages';
import { testKeys } from '../support/auth';
import { eventually } from '../support/eventually';
import { payloadText } from '../support/histories';
import { kitRunner, privateKeyLines, type KitUser } from '../support/kit';
import { caExt, OpenSsl, serverExt } from '../support/openssl';
import { startBody } from '../support/requests';
import { startStepStack, type StepStack } from '../support/step-probes';
import { startTestMailpit } from '../support/mailpit';

jest.setTimeout(300_000);

const keys = testKeys();
const ssl = new OpenSsl();
const work = mkdtempSync(path.join(tmpdir(), 'kit-journeys-'));
const kits = kitRunner(work);
let rig: StepStack;
let app: FastifyInstance;
let apiUrl = '';

/** The bank's authorization service: accepts a Bearer JWT that verifies with a key the bank installed. */
const bankRoot = ssl.selfSigned('kit-bank-root', 'rsa:2048', '/C=UA/O=Lviv Bank/CN=Lviv Bank Root CA', caExt);
const installed = new Map<string, JWK>();
let bankServer: Server;
let mailpit: Awaited<ReturnType<typeof startTestMailpit>>;

beforeAll(async () => {
  const server = ssl.signed('kit-bank-auth', bankRoot, {
    subject: '/C=UA/O=Lviv Bank/CN=auth.lvivbank.example',
    ext: serverExt('DNS:auth.lvivbank.example'),
  });
  bankServer = createServer({ key: server.key, cert: server.cert + bankRoot.cert }, (req, res) => {
    const jwt = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const { kid } = jwt ? decodeProtectedHeader(jwt) : { kid: undefined };
    const jwk = kid ? installed.get(kid) : undefined;
    void (async () =>
      jwk
        ? jwtVerify(jwt, await importJWK(jwk, 'ES256')).then(
            () => true,
            () => false,
          )
        : false)().then((ok) => res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' }).end(JSON.stringify({ ok })));
  });
  const port = await new Promise<number>((resolve) =>
    bankServer.listen(0, '127.0.0.1', () => resolve((bankServer.address() as AddressInfo).port)),
  );
  mailpit = await startTestMailpit();
  rig = await startStepStack('kit', keys, {
    workflowsPath: require.resolve('../../workflows'),
    mail: mailpit.mailConfig('default'),
    outbound: { timeoutMs: 3000, connectTo: { 'auth.lvivbank.example:443': { host: '127.0.0.1', port } } },
  });
  app = rig.app;
  await app.listen({ host: '127.0.0.1', port: 0 });
  apiUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await rig?.close();
  await mailpit?.stop();
  await new Promise((resolve) => bankServer?.close(resolve));
});

const operator = () => keys.as('tool@hub', 'operator');
const status = async (id: string): Promise<OnboardingStatus> =>
  (await app.inject({ method: 'GET', url: `/onboardings/${id}`, headers: keys.as('viewer@hub', 'viewer') })).json().onboarding;
const awaitingAll = (id: string, ids: string[]) =>
  eventually(async () => {
    const s = await status(id);
    return s && ids.every((i) => s.awaiting.some((a) => a.instanceId === i)) ? s : undefined;
  });
const decide = async (id: string, by: string, body: Record<string, unknown>) => {
  const res = await app.inject({ method: 'POST', url: `/onboardings/${id}/approvals`, headers: keys.staff(by), payload: body });
  if (res.statusCode !== 200) throw new Error(`${body.gate as string}: ${res.statusCode} ${res.body}`);
};

/** An operator starts the onboarding and issues the participant's key; the engineer sets the kit up with it. */
async function invite(who: KitUser, start: Record<string, unknown>): Promise<void> {
  expect((await app.inject({ method: 'POST', url: '/onboardings', headers: operator(), payload: start })).statusCode).toBe(201);
  const issued = await app.inject({ method: 'POST', url: `/participants/${who.id}/api-keys`, headers: operator(), payload: {} });
  expect(issued.statusCode).toBe(201);
  who.apiKey = issued.json().secret.value;
  who.kitDir = path.join(work, who.id);
  await eventually(async () => ((await status(who.id)) ? true : undefined));
  await kits.ok(who, 'init', '--api', apiUrl, '--participant', who.id);
}

/** Every base64 line of the folder's private keys: none may appear in what the kit sent or in the history. */
async function expectKeysStayed(who: KitUser): Promise<void> {
  const lines = privateKeyLines(who.kitDir ?? '');
  expect(lines.length).toBeGreaterThan(40);
  const sent = kits.requests.map((r) => r.body).join('\n');
  const history = await payloadText(await rig.stack.client.workflow.getHandle(onboardingWorkflowId(who.id)).fetchHistory());
  expect(history).toContain(who.id);
  expect(lines.filter((l) => sent.includes(l) || history.includes(l))).toEqual([]);
}

describe('the participant kit through whole journeys', () => {
  it('takes a TPP from its application to live: its own CA for sandbox, a hub-signed CSR for production', async () => {
    const tpp: KitUser = { id: 'tpp-kit' };
    await invite(tpp, startBody(tpp.id));
    await awaitingAll(tpp.id, ['application-review@sandbox#1']);
    // Nothing is the TPP's to do yet: the kit says who it waits on.
    expect(await kits.ok(tpp, 'next')).toMatch(
      /Nothing awaits you now; waiting on the hub:\n- application-review@sandbox#1: the business team/,
    );
    await decide(tpp.id, 'bea@hub', { gate: 'application-review', decision: 'approved' });

    await awaitingAll(tpp.id, ['certificate-bundle@sandbox#1']);
    const next = await kits.ok(tpp, 'next');
    expect(next).toContain('certificate-bundle@sandbox#1: Send your client certificate with its CA chain');
    expect(next).toContain('npm run kit -- submit certificate-bundle --environment sandbox');
    const bundle = await kits.ok(tpp, 'submit', 'certificate-bundle');
    expect(bundle).toMatch(/^certificate-bundle@sandbox#1: accepted/);
    // The answer says what is next (the sandbox client and its URLs), without a second command.
    expect(bundle).toContain('oauth-client@sandbox#1');
    expect(bundle).toContain('redirect-urls@sandbox#1');
    // The two waits that opened together reached the TPP's contact as one mail saying what to send, and nothing it cannot open.
    // (A wait that opened just before — the bundle, answered within the digest window — may be listed too.)
    const digest = await eventually(async () => {
      for (const m of await mailpit.messages()) {
        if (!/^\[tpp-kit\] \d steps are waiting for you in sandbox$/.test(m.Subject)) continue;
        const text = await mailpit.text(m.ID);
        if (text.includes('- oauth-client@sandbox#1') && text.includes('- redirect-urls@sandbox#1')) return m;
      }
      return undefined;
    });
    const digestText = await mailpit.text(digest.ID);
    expect(digestText).toContain('npm run kit -- submit oauth-client --environment sandbox');
    expect(digestText).toContain(`POST /onboardings/${tpp.id}/submissions/redirect-urls`);
    expect(digestText).not.toContain('/namespaces/');
    const toTpp = (await mailpit.messages()).filter(
      (m) => m.To.some((t) => t.Address === 'it@acme.example') && m.Subject.startsWith(`[${tpp.id}]`),
    );
    expect(toTpp.some((m) => /oauth-client@sandbox#1 is waiting/.test(m.Subject))).toBe(false);
    await kits.ok(tpp, 'submit', 'oauth-client');
    await kits.ok(tpp, 'submit', 'redirect-urls', '--redirect-uri', 'https://app.acme.example/oauth/callback');
    expect(readFileSync(path.join(tpp.kitDir ?? '', 'secrets', 'sandbox', 'oauth-client-secret'), 'utf8').trim()).not.toBe('');

    await awaitingAll(tpp.id, ['uat-signoff@sandbox#1', 'contract@production#1']);
    await decide(tpp.id, 'omar@hub', {
      gate: 'uat-signoff',
      decision: 'approved',
      evidence: [{ label: 'UAT', url: 'https://docs.hub.example/uat.pdf' }],
    });
    await decide(tpp.id, 'lena@hub', { gate: 'contract', decision: 'approved' });

    await awaitingAll(tpp.id, [
      'client-csr@production#1',
      'ip-allowlist@production#1',
      'oauth-client@production#1',
      'redirect-urls@production#1',
    ]);
    const csr = await kits.ok(tpp, 'submit', 'client-csr', '--environment', 'production');
    expect(csr).toContain('kept public/production/client.cert.pem');
    // The hub-signed certificate certifies the kit's own production key and chains to the hub CA (openssl).
    const certFile = path.join(tpp.kitDir ?? '', 'public', 'production', 'client.cert.pem');
    const chainFile = path.join(tpp.kitDir ?? '', 'public', 'production', 'hub-ca-chain.pem');
    expect(ssl.verify(chainFile, chainFile, certFile)).toMatchObject({ ok: true });
    expect(ssl.run(['x509', '-in', certFile, '-noout', '-pubkey'])).toBe(
      ssl.run(['pkey', '-in', path.join(tpp.kitDir ?? '', 'private', 'production', 'client.key'), '-pubout']),
    );
    // A refusal exits 2 with the findings (a private address is not a public allowlist entry), then the right list.
    const refused = await kits.run(tpp, 'submit', 'ip-allowlist', '--environment', 'production', '--entries', '10.1.2.3');
    expect(refused.code).toBe(2);
    expect(refused.out).toMatch(/refused: SUBMISSION_REFUSED[\s\S]*✗ /);
    // `next` keeps saying why until the next attempt.
    expect(await kits.ok(tpp, 'next')).toMatch(
      /- ip-allowlist@production#1: [^\n]*\n {4}attempt 1 was refused \([^)]*\):\n {6}✗ [A-Z_]+: [^\n]*10\.1\.2\.3/,
    );
    await kits.ok(tpp, 'submit', 'ip-allowlist', '--environment', 'production', '--entries', '93.184.216.34');
    await kits.ok(tpp, 'submit', 'oauth-client', '--environment', 'production');
    await kits.ok(
      tpp,
      'submit',
      'redirect-urls',
      '--environment',
      'production',
      '--redirect-uri',
      'https://app.acme.example/oauth/callback',
    );

    await awaitingAll(tpp.id, ['go-live@production#1']);
    await decide(tpp.id, 'omar@hub', { gate: 'go-live', environment: 'production', decision: 'approved' });
    await decide(tpp.id, 'pia@hub', { gate: 'go-live', environment: 'production', decision: 'approved' });
    await eventually(async () => ((await status(tpp.id)).state === 'live' ? true : undefined));
    expect(await kits.ok(tpp, 'next')).toBe('tpp-kit is live\n');
    const statusJson = JSON.parse(await kits.ok(tpp, '--json', 'status')) as { onboarding: OnboardingStatus };
    expect(statusJson.onboarding.state).toBe('live');
    await expectKeysStayed(tpp);
    // The TPP's whole part, in kit commands (besides next/status, and the refused allowlist the test sent on purpose).
    expect(kits.commands[tpp.id]?.filter((c) => !/^(next|--json status)/.test(c) && !c.includes('10.1.2.3'))).toEqual([
      `init --api ${apiUrl} --participant ${tpp.id}`,
      'submit certificate-bundle',
      'submit oauth-client',
      'submit redirect-urls --redirect-uri https://app.acme.example/oauth/callback',
      'submit client-csr --environment production',
      'submit ip-allowlist --environment production --entries 93.184.216.34',
      'submit oauth-client --environment production',
      'submit redirect-urls --environment production --redirect-uri https://app.acme.example/oauth/callback',
    ]);
  });

  it('takes a bank from registration to live: the hub JWT key fetched and installed, its service checked, secrets kept in the folder', async () => {
    const bank: KitUser = { id: 'bank-kit' };
    await invite(bank, {
      participantId: bank.id,
      kind: 'bank',
      participant: { legalName: 'Lviv Bank JSC', country: 'UA', contactEmail: 'it@lvivbank.example' },
      registration: {
        alias: 'lvivbank',
        assetCode: 'UAH',
        firstEmployeeEmail: 'first.officer@lvivbank.example',
        authorizationUrls: { sandbox: 'https://auth.lvivbank.example/dcm/check', production: 'https://93.184.216.34/dcm/check' },
      },
    });
    await awaitingAll(bank.id, ['authorization-service@sandbox#1', 'officer-credentials@sandbox#1']);
    // The hub's JWT key, fetched with the kit and installed in the bank's service.
    expect(await kits.ok(bank, 'fetch', 'jwt-key')).toMatch(/kept public\/sandbox\/hub-jwt-key\.pem \(kid .+\): install it/);
    const jwk = JSON.parse(readFileSync(path.join(bank.kitDir ?? '', 'public', 'sandbox', 'hub-jwt-key.jwk.json'), 'utf8')) as JWK;
    // Before the bank installs it, the hub's check is refused: exit 2, the cause printed.
    const caFile = path.join(work, 'lviv-root.pem');
    writeFileSync(caFile, bankRoot.cert);
    const early = await kits.run(bank, 'submit', 'authorization-service', '--ca', caFile);
    expect(early.code).toBe(2);
    installed.set(String(jwk.kid), jwk);
    await kits.ok(bank, 'submit', 'authorization-service', '--ca', caFile);
    // A CA file with a private key in it is never sent.
    const withKey = path.join(work, 'ca-with-key.pem');
    writeFileSync(withKey, bankRoot.cert + readFileSync(bankRoot.keyFile, 'utf8'));
    const leak = await kits.run(bank, 'submit', 'authorization-service', '--ca', withKey);
    expect([leak.code, /never sends a private key/.test(leak.err)]).toEqual([1, true]);
    const officers = await kits.ok(bank, 'submit', 'officer-credentials');
    expect(officers).toContain('kept secrets/sandbox/technical-users.json');
    const kept = JSON.parse(readFileSync(path.join(bank.kitDir ?? '', 'secrets', 'sandbox', 'technical-users.json'), 'utf8')) as {
      secrets: Record<string, string>;
    };
    expect(Object.keys(kept.secrets).sort()).toEqual([`${bank.id}.identification.sandbox`, `${bank.id}.processing.sandbox`]);
    // The secrets went to the folder, not to the terminal.
    for (const secret of Object.values(kept.secrets)) expect(officers).not.toContain(secret);

    await awaitingAll(bank.id, ['identifiers@sandbox#1']);
    await kits.ok(bank, 'submit', 'identifiers', '--identifiers', 'UA-0001,UA-0002');
    await awaitingAll(bank.id, ['integration-test@sandbox#1']);
    await decide(bank.id, 'omar@hub', {
      gate: 'integration-test',
      environment: 'sandbox',
      decision: 'approved',
      evidence: [{ label: 'integration test', url: 'https://docs.hub.example/bank/lviv.pdf' }],
    });

    await awaitingAll(bank.id, ['authorization-service@production#1', 'officer-credentials@production#1']);
    await kits.ok(bank, 'fetch', 'jwt-key', '--environment', 'production');
    await kits.ok(bank, 'submit', 'authorization-service', '--environment', 'production', '--hub-cannot-reach');
    await kits.ok(bank, 'submit', 'officer-credentials', '--environment', 'production');
    await awaitingAll(bank.id, ['jwt-trust-check@production#1']);
    await decide(bank.id, 'sec@hub', {
      gate: 'jwt-trust-check',
      environment: 'production',
      decision: 'approved',
      evidence: [{ label: 'bank test log', url: 'https://docs.hub.example/bank/lviv-jwt.txt' }],
    });
    await awaitingAll(bank.id, ['identifiers@production#1']);
    await kits.ok(bank, 'submit', 'identifiers', '--environment', 'production', '--identifiers', 'UA-9001');
    await awaitingAll(bank.id, ['go-live@production#1']);
    await decide(bank.id, 'omar@hub', { gate: 'go-live', environment: 'production', decision: 'approved' });
    await decide(bank.id, 'pia@hub', { gate: 'go-live', environment: 'production', decision: 'approved' });
    await eventually(async () => ((await status(bank.id)).state === 'live' ? true : undefined));
    expect(await kits.ok(bank, 'next')).toBe('bank-kit is live\n');

    // The key revoked through the API: the running API refuses the kit at once (no restart), and the kit says what to do.
    const listed = await app.inject({ method: 'GET', url: `/participants/${bank.id}/api-keys`, headers: operator() });
    const [key] = listed.json().keys as { keyId: string }[];
    const revoked = await app.inject({
      method: 'POST',
      url: `/participants/${bank.id}/api-keys/${key?.keyId ?? ''}/revoke`,
      headers: operator(),
      payload: { reason: 'onboarding done; the bank uses its production credentials' },
    });
    expect(revoked.json().apiKey.state).toBe('revoked');
    const refused = await kits.run(bank, 'next');
    expect([refused.code, refused.err]).toEqual([
      1,
      'the hub does not accept this API key (revoked, rotated or mistyped): ask the hub for a new one\n',
    ]);
  });
});
