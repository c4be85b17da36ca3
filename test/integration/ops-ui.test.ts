/**
 * The browser proof of the ops views: the real Temporal Web UI (the integration dev server's),
 * in Debian's Chromium driven by playwright-core, against real onboardings. The list filtered by an
 * awaited role and by an open wait shows the right onboardings; a workflow page shows the summary
 * and the open waits in words, a refused submission's finding among them; through the codec
 * endpoint (this file's API, where the UI's codec endpoint points) the input is readable, without
 * it it is not. Screenshots go to docs/screenshots/ (the README's ops section shows them).
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { type Browser, chromium, type Page } from 'playwright-core';
import { AesGcmPayloadCodec } from '../../activities/secrets/payload-codec';
import { buildApp } from '../../api/app';
import { createAuthenticator, hashApiKey } from '../../api/auth';
import { OnboardingGateway } from '../../api/onboarding-gateway';
import { columnsSetting, columnsStorageKey } from '../../scripts/ui-views';
import { testKeys } from '../support/auth';
import { testCodecKeys } from '../support/codec';
import { eventually } from '../support/eventually';
import { startBody } from '../support/requests';
import { bundleWorkflows, createTestStack, type TestStack } from '../support/temporal-env';
import { TppPki, tppCalls } from '../support/tpp-journey';

jest.setTimeout(240_000);

const screenshots = path.join(__dirname, '..', '..', 'docs', 'screenshots');
const uiUrl = process.env.TEMPORAL_TEST_UI_URL as string;
const namespace = process.env.TEMPORAL_TEST_NAMESPACE ?? 'default';
const keys = testKeys();
const pki = new TppPki();
// Two onboardings of this file: one waiting on business, one whose certificate bundle was refused.
const waiting = 'ui-waiting';
const refused = 'ui-refused';
const contactEmail = 'ada.lovelace@uiproof.example';
let stack: TestStack;
let worker: Awaited<ReturnType<TestStack['startWorker']>>;
let app: FastifyInstance;
let browser: Browser;

beforeAll(async () => {
  stack = await createTestStack(await bundleWorkflows(), `ops-ui-${Date.now()}`);
  worker = await stack.startWorker();
  const uiKey = process.env.TEMPORAL_TEST_UI_CODEC_KEY as string;
  // The API's own authenticator: the test callers, and the viewer key the UI's codec endpoint carries (as npm start makes it).
  const authenticator = {
    authenticate: async (token: string) =>
      token === uiKey
        ? createAuthenticator([{ name: 'temporal-ui-codec', grants: ['viewer'], hash: hashApiKey(uiKey) }]).authenticate(token)
        : keys.authenticator.authenticate(token),
  };
  app = buildApp({
    gateway: new OnboardingGateway(stack.client, stack.taskQueue),
    authenticator,
    logger: pino({ level: 'silent' }),
    codec: { codec: new AesGcmPayloadCodec(testCodecKeys()), uiOrigins: [new URL(uiUrl).origin] },
  });
  await app.listen({ host: '127.0.0.1', port: Number(process.env.TEMPORAL_TEST_CODEC_PORT) });
  expect((app.server.address() as AddressInfo).port).toBe(Number(process.env.TEMPORAL_TEST_CODEC_PORT));

  const api = tppCalls(app, keys);
  const withContact = (id: string) => ({
    ...startBody(id),
    participant: { legalName: 'Analytical Engines Ltd', country: 'GB', contactEmail },
  });
  for (const id of [waiting, refused]) {
    const res = await app.inject({
      method: 'POST',
      url: '/onboardings',
      payload: withContact(id),
      headers: keys.as('tool@hub', 'operator'),
    });
    expect(res.statusCode).toBe(201);
  }
  expect((await api.decide(refused, { gate: 'application-review', decision: 'approved', decidedBy: 'bob@hub' })).statusCode).toBe(200);
  await eventually(async () =>
    (await api.status(refused)).json().onboarding.awaiting[0]?.name === 'certificate-bundle' ? true : undefined,
  );
  expect((await api.submitBundle(refused, pki.bundlesFor(refused).weak)).statusCode).toBe(422);
  // Visibility follows the workflows' tasks.
  await eventually(async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/onboardings?refusedSubmission=certificate-bundle@sandbox&pageSize=200',
      headers: keys.as('vera', 'viewer'),
    });
    return (res.json().onboardings as { participantId: string }[]).some((o) => o.participantId === refused) ? true : undefined;
  });
  mkdirSync(screenshots, { recursive: true });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_BINARY ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await worker?.stop();
  await stack?.close();
});

/** A page whose UI already shows the onboarding columns (what `npm run ops -- views` sets once per browser). */
async function opsPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const setting = JSON.stringify(columnsSetting(namespace));
  await context.addInitScript(
    ([key, value]) => {
      (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage.setItem(
        key as string,
        value as string,
      );
    },
    [columnsStorageKey, setting],
  );
  return context.newPage();
}

const listUrl = (query: string) => `${uiUrl}/namespaces/${namespace}/workflows?query=${encodeURIComponent(query)}`;
const ours = 'WorkflowId STARTS_WITH "onboarding-ui-"';

describe('the Temporal Web UI as ops use it', () => {
  it('lists the onboarding waiting on business, and only it, for AwaitingRole = "business"', async () => {
    const page = await opsPage();
    await page.goto(listUrl(`${ours} AND AwaitingRole = "business"`));
    await page.getByText(`onboarding-${waiting}`).first().waitFor({ timeout: 60_000 });
    expect(await page.getByText(`onboarding-${refused}`).count()).toBe(0);
    // The onboarding columns are there (set once per browser), with the open wait in words.
    await page.getByText('application-review@sandbox').first().waitFor();
    await page.screenshot({ path: path.join(screenshots, 'ui-list-awaiting-business.png') });
    await page.context().close();
  });

  it('lists the onboarding with a refused submission for an open wait, and by RefusedSubmissions', async () => {
    const page = await opsPage();
    await page.goto(listUrl(`${ours} AND OpenWaits = "certificate-bundle@sandbox"`));
    await page.getByText(`onboarding-${refused}`).first().waitFor({ timeout: 60_000 });
    expect(await page.getByText(`onboarding-${waiting}`).count()).toBe(0);
    await page.screenshot({ path: path.join(screenshots, 'ui-list-open-wait.png') });
    await page.goto(listUrl(`${ours} AND RefusedSubmissions IS NOT NULL`));
    await page.getByText(`onboarding-${refused}`).first().waitFor({ timeout: 60_000 });
    expect(await page.getByText(`onboarding-${waiting}`).count()).toBe(0);
    await page.context().close();
  });

  it("shows the summary and every open wait in words on the workflow page, the refusal's finding among them", async () => {
    const page = await opsPage();
    await page.goto(`${uiUrl}/namespaces/${namespace}/workflows/onboarding-${refused}`);
    await page.getByText(`onboarding of ${refused}: sandbox, then production`).first().waitFor({ timeout: 60_000 });
    // Current Details live in the page's User Metadata tab.
    await page.getByText('User Metadata', { exact: true }).first().click();
    // The UI renders Markdown in a sandboxed frame: read what the frames show.
    const shown = await eventually(async () => {
      const text = (
        await Promise.all(
          page.frames().map((f) =>
            f
              .locator('body')
              .innerText()
              .catch(() => ''),
          ),
        )
      ).join('\n');
      return text.includes('Open waits (1)') ? text : undefined;
    }, 30_000);
    expect(shown).toMatch(/certificate-bundle@sandbox#1 submission from the participant ui-refused, open since/);
    expect(shown).toMatch(/refused: attempt 1 at/);
    expect(shown).toMatch(/KEY_SIZE_MIN fail: RSA modulus of 1024 bits/);
    expect(shown).toContain('npm run kit -- submit certificate-bundle --environment sandbox');
    // The timeline's activities and timers say what they serve.
    await page.getByText('certificate-bundle@sandbox#1 attempt 1: evaluateClientCertificate').first().waitFor();
    await page
      .getByText(/certificate-bundle@sandbox#1: reminder 1 due/)
      .first()
      .waitFor();
    await page.screenshot({ path: path.join(screenshots, 'ui-workflow-open-waits.png'), fullPage: true });
    await page.context().close();
  });

  it('shows the input through the codec endpoint, and ciphertext without it', async () => {
    const decoded = await opsPage();
    await decoded.goto(`${uiUrl}/namespaces/${namespace}/workflows/onboarding-${waiting}`);
    await decoded.getByText(contactEmail).first().waitFor({ timeout: 60_000 });
    await decoded.screenshot({ path: path.join(screenshots, 'ui-input-decoded.png'), fullPage: true });
    await decoded.context().close();

    const blind = await opsPage();
    // The codec endpoint unreachable: the UI has only what Temporal stores.
    await blind.route('**/codec/**', (route) => route.abort());
    await blind.goto(`${uiUrl}/namespaces/${namespace}/workflows/onboarding-${waiting}`);
    await blind.getByText(`onboarding-${waiting}`).first().waitFor({ timeout: 60_000 });
    await blind.waitForTimeout(3000);
    expect(await blind.getByText(contactEmail).count()).toBe(0);
    expect(await blind.content()).not.toContain(contactEmail);
    // What it shows instead: the encrypted payload, its encoding `binary/encrypted` (base64 in the UI's JSON).
    await blind.getByText(Buffer.from('binary/encrypted').toString('base64')).first().waitFor();
    await blind.screenshot({ path: path.join(screenshots, 'ui-input-encrypted.png'), fullPage: true });
    await blind.context().close();
  });
});
