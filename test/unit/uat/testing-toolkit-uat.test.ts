/**
 * The hub's UAT run against a runner that answers like the Testing Toolkit's (scripts/testing-toolkit-runner.ts,
 * mounted on a real express app as TTK mounts it): the collection as sent, the counts of a result,
 * the evidence kept once, and the refusals. The real TTK and SDK: test/integration/mojaloop-interop.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Server } from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import { openRegistry, type RegistryDb } from '../../../activities/registry/database';
import {
  summariseUatResult,
  TestingToolkitUat,
  uatCollectionFile,
  uatTemplate,
  type UatRunRequest,
} from '../../../activities/uat/testing-toolkit-uat';
import { UatRuns } from '../../../activities/uat/uat-runs';
import { DomainError } from '../../../activities/domain-error';
import { installUatRunner, redactSecrets, type ExpressApp } from '../../../scripts/testing-toolkit-runner';
import { testingToolkitInstalled, testingToolkitPackage } from '../../../scripts/testing-toolkit';
import { registryBackends } from '../../support/postgres';

const dir = mkdtempSync(path.join(tmpdir(), 'uat-'));
const keyFile = path.join(dir, 'hub-jws.key');
writeFileSync(keyFile, generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
const collection = JSON.parse(readFileSync(uatCollectionFile, 'utf8')) as Parameters<typeof uatTemplate>[0];
const request: UatRunRequest = {
  runId: 'uat-dfsp-one-sandbox-r1-abc',
  participantId: 'dfsp-one',
  environment: 'sandbox',
  round: 1,
  fspId: 'dfsp-one',
  party: { idType: 'MSISDN', idValue: '221770000009' },
  currency: 'XOF',
};
const waiting = { heartbeat: () => undefined, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

/** TTK's result of the collection with every assertion passed except those named `failing` (by request id and assertion id). */
function resultOf(failing: [number, number][] = []) {
  return {
    name: 'x',
    test_cases: collection.test_cases.map((tc) => ({
      name: 'P2P Transfer Happy Path',
      requests: tc.requests.map((r) => {
        const req = r as { id: number; description: string; tests: { assertions: { id: number; description: string }[] } };
        return {
          request: {
            ...req,
            headers: { authorization: 'Bearer secret-token', Accept: 'x' },
            tests: {
              assertions: req.tests.assertions.map((a) => ({
                ...a,
                resultStatus: { status: failing.some(([q, n]) => q === req.id && n === a.id) ? 'FAILED' : 'SUCCESS' },
              })),
            },
          },
        };
      }),
    })),
    runtimeInformation: {},
  };
}

describe('the UAT collection and its result', () => {
  it('aims every request at the egress for the DFSP and pays its test party as the hub', () => {
    const t = uatTemplate(collection, request, { egressUrl: 'http://127.0.0.1:8491/', hubFspId: 'hub', amount: '10' });
    expect(t.test_cases.flatMap((tc) => tc.requests.map((r) => r.url))).toEqual([
      'http://127.0.0.1:8491/sandbox/dfsp-one',
      'http://127.0.0.1:8491/sandbox/dfsp-one',
      'http://127.0.0.1:8491/sandbox/dfsp-one',
    ]);
    expect(t.inputValues).toMatchObject({
      fromFspId: 'hub',
      toFspId: 'dfsp-one',
      toIdType: 'MSISDN',
      toIdValue: '221770000009',
      currency: 'XOF',
      amount: '10',
    });
    // Quote and transaction ids are UUIDs (sdk-scheme-adapter refuses TTK's default ULIDs).
    expect(JSON.stringify(collection)).not.toContain('generateID}');
    expect(JSON.stringify(collection)).toContain('{$function.generic.generateUUID}');
  });

  it('counts a full pass, and names the first failures of a partial one', () => {
    expect(summariseUatResult(resultOf())).toMatchObject({
      outcome: 'passed',
      assertions: { passed: 28, total: 28 },
      summary: '28 of 28 assertions passed',
    });
    const partial = summariseUatResult(
      resultOf([
        [2, 1],
        [3, 4],
      ]),
    );
    expect(partial).toMatchObject({ outcome: 'failed', assertions: { passed: 26, total: 28 } });
    expect(partial.failures).toEqual(['Send quote: Response status to be 202', expect.stringMatching(/^Send transfer: /)]);
    expect(partial.summary).toBe('26 of 28 assertions passed; 2 failed, first: Send quote: Response status to be 202');
    // Nothing ran: not a pass.
    expect(summariseUatResult({}).outcome).toBe('failed');
  });

  it('redacts credential headers at any depth and keeps the rest', () => {
    expect(redactSecrets({ a: [{ headers: { Authorization: 'Bearer t', cookie: 'c', accept: 'x' } }], n: 1 })).toEqual({
      a: [{ headers: { Authorization: '[redacted]', cookie: '[redacted]', accept: 'x' } }],
      n: 1,
    });
  });
});

describe.each(registryBackends)('a run through the runner (registry on $name)', (backend) => {
  let db: RegistryDb;
  let server: Server;
  let url: string;
  let outbound: { body: unknown; status: number; delayMs: number; calls: number };
  let keys: string[];

  beforeAll(async () => {
    if (!testingToolkitInstalled()) throw new Error('the Testing Toolkit is not installed: npm run peers:install');
    db = await openRegistry(await backend.location('uat-runs'));
    // TTK's own express, as its admin API is made; the two TTK routes the runner calls are stood in for.
    const load = createRequire(path.join(testingToolkitPackage, 'package.json'));
    const express = load('express') as (() => ExpressApp & {
      use(h: unknown): void;
      post(
        r: string,
        h: (req: { body: unknown }, res: { status(n: number): { json(b: unknown): void; send(b: string): void } }) => void,
      ): void;
      listen(p: number, h: string, cb: () => void): Server;
    }) & { json(o: unknown): unknown };
    const app = express();
    app.use(express.json({ limit: '50mb' }));
    outbound = { body: resultOf(), status: 200, delayMs: 0, calls: 0 };
    app.post('/api/outbound/template/:id', (req, res) => {
      outbound.calls += 1;
      setTimeout(() => res.status(outbound.status).json(outbound.body), outbound.delayMs);
    });
    app.post('/api/reports/testcase/html', (req, res) => res.status(200).send(`<html>${JSON.stringify(req.body).length}</html>`));
    keys = [];
    await new Promise<void>((resolve) => {
      server = app.listen(0, '127.0.0.1', () => resolve());
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    installUatRunner(app, { selfUrl: url, dir: path.join(dir, 'runs', backend.name), setSigningKey: async (pem) => void keys.push(pem) });
  });
  afterAll(async () => {
    await db.destroy();
    await new Promise((r) => server.close(r));
  });

  const uat = () =>
    new TestingToolkitUat(
      {
        adminUrl: url,
        egressUrl: 'http://127.0.0.1:8491',
        hubFspId: 'hub',
        hubJwsKeyFile: keyFile,
        amount: '10',
        pollMs: 50,
        timeoutMs: 2000,
      },
      new UatRuns(db),
    );

  it('runs once: a second ask of the same id, mid-run or after, collects that run; the evidence is kept without tokens', async () => {
    outbound.delayMs = 400;
    const first = uat().run(request, waiting);
    // Another worker asks while the first still waits: the same run answers both.
    await new Promise((r) => setTimeout(r, 100));
    const second = uat().run(request, waiting);
    const [a, b] = await Promise.all([first, second]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ runId: request.runId, outcome: 'passed', assertions: { passed: 28, total: 28 } });
    expect(outbound.calls).toBe(1);
    expect(keys).toEqual([readFileSync(keyFile, 'utf8')]);
    const runs = new UatRuns(db);
    expect((await runs.list('dfsp-one')).map((r) => r.runId)).toEqual([request.runId]);
    const json = (await runs.document('dfsp-one', request.runId, 'json')) ?? '';
    expect(json).not.toContain('secret-token');
    expect(json).toContain('[redacted]');
    expect(await runs.document('dfsp-one', request.runId, 'html')).toMatch(/^<html>\d+<\/html>$/);
    // Another participant's id does not open it.
    expect(await runs.document('dfsp-two', request.runId, 'json')).toBeNull();
    // Kept: asked again, the registry answers without the runner.
    outbound.calls = 0;
    expect(await uat().run(request, waiting)).toEqual(a);
    expect(outbound.calls).toBe(0);
  });

  it('skips a DFSP with no test party; a refused collection is UAT_RUN_FAILED; a runner away is UAT_RUNNER_UNAVAILABLE (retryable)', async () => {
    const skipped = await uat().run({ ...request, runId: 'uat-r-none', party: null }, waiting);
    expect(skipped).toMatchObject({ outcome: 'skipped', summary: expect.stringMatching(/no sandbox test party/) });
    outbound.delayMs = 0;
    outbound.status = 422;
    const refused = await uat()
      .run({ ...request, runId: 'uat-r-refused' }, waiting)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: 'UAT_RUN_FAILED', retryable: false });
    outbound.status = 200;
    const away = new TestingToolkitUat(
      {
        adminUrl: 'http://127.0.0.1:9',
        egressUrl: 'http://127.0.0.1:8491',
        hubFspId: 'hub',
        hubJwsKeyFile: keyFile,
        amount: '10',
        pollMs: 50,
        timeoutMs: 500,
      },
      new UatRuns(db),
    );
    const down = await away.run({ ...request, runId: 'uat-r-away' }, waiting).catch((e: unknown) => e);
    expect(down).toMatchObject({ code: 'UAT_RUNNER_UNAVAILABLE', retryable: true });
    // The runner refuses a run id it could not keep as a file name.
    const bad = await fetch(`${url}/hub/uat-runs/${encodeURIComponent('../x')}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(bad.status).toBe(400);
  });
});
