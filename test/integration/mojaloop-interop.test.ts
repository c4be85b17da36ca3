/**
 * A DFSP connects for real: two DFSPs onboarded through the API (openssl-made material, approvals
 * answered at once), each running Mojaloop's own sdk-scheme-adapter 18.0.2 configured only from its
 * connection pack (the `.env` as served, with its private key paths and client secret filled in),
 * transacting through the hub's edge (nginx → the verifying hop) with Mojaloop's Testing Toolkit as
 * the sandbox switch (HUB_ONLY_MODE, set up by the hub-ledger step) — its calls to the DFSPs
 * leaving through the edge's egress with the hub's client certificate each DFSP's CA signed.
 * Then the refusals (tampered signature, no token, before go-live) never reach TTK, and DFSP A
 * rotates its JWS key and transfers again with the new one. The rig: test/support/interop-rig.ts.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { payloadText } from '../support/histories';
import path from 'node:path';
import { eventually } from '../support/eventually';
import { onboardingWorkflowId, type GateInstance } from '../../workflows/messages';
import {
  asDfsp,
  awaiting,
  dfsps,
  expectOk,
  edgeLog,
  installPack,
  interop,
  keys,
  jwsKeyProof,
  submitJwsKey,
  runSdk,
  sendAsA,
  ssl,
  startInteropRig,
  status,
  stopInteropRig,
  submit,
  submitEverything,
  onboardWithKit,
  kit,
  kitOk,
  kitCommands,
  kitRequests,
  privateKeyLines,
  tokenOf,
  transfer,
  ttkSaw,
  type Dfsp,
} from '../support/interop-rig';

jest.setTimeout(600_000);

beforeAll(startInteropRig);
afterAll(stopInteropRig);

describe("Mojaloop's SDK through the hub's edge to Mojaloop's Testing Toolkit", () => {
  it('onboards two DFSPs, hands each a connection pack their SDK runs from unedited, and A pays B: COMPLETED, COMMITTED', async () => {
    // The pack is refused while the onboarding lacks what it holds.
    await submitEverything(dfsps.a);
    const early = await interop.app.inject({ method: 'GET', url: `/onboardings/${dfsps.b.id}/connection-pack`, headers: asDfsp(dfsps.b) });
    expect(early.statusCode).toBe(404);
    // B's engineers use the participant kit: every key made and kept in its folder, each submission signed there.
    await onboardWithKit(dfsps.b);
    for (const d of Object.values(dfsps)) {
      const pack = await installPack(d);
      expect(pack.version).toBe(1);
      // Each pack holds the peer's and the hub's keys, not its own.
      const other = d === dfsps.a ? dfsps.b : dfsps.a;
      const env = readFileSync(path.join(d.packDir ?? '', '.env'), 'utf8');
      expect(env).toContain(`DFSP_ID=${d.id}`);
      expect(readFileSync(path.join(d.packDir ?? '', 'jws-keys', `${other.id}.pem`), 'utf8')).toMatch(/BEGIN PUBLIC KEY/);
      expect(readFileSync(path.join(d.packDir ?? '', 'jws-keys', 'hub.pem'), 'utf8')).toMatch(/BEGIN PUBLIC KEY/);
      // The pack's TLS material verifies with openssl: the hub-issued client certificate against the hub CA.
      expect(
        ssl.verify(
          path.join(d.packDir ?? '', 'tls', 'hub-ca.pem'),
          path.join(d.packDir ?? '', 'tls', 'hub-ca.pem'),
          path.join(d.packDir ?? '', 'tls', 'client-certificate.pem'),
        ),
      ).toMatchObject({ ok: true });
      await runSdk(d);
    }
    // With the SDKs' inbound servers up, each DFSP asks for the connectivity proof; the hub-ledger step registers it with TTK; sandbox access opens.
    for (const d of Object.values(dfsps)) {
      await awaiting(d, 'connectivity@sandbox#1');
      if (d.kitDir) await kitOk(d, 'submit', 'connectivity');
      else expectOk(await submit(d, 'connectivity', { environment: 'sandbox' }), `${d.id} connectivity`);
      await awaiting(d, 'uat-signoff@sandbox#1');
      const ledger = (await status(d)).tasks.find((t) => t.id === 'hub-ledger@sandbox');
      expect(ledger).toMatchObject({ status: 'done', result: { mode: 'applied', ledgerUrl: interop.ttk.adminUrl } });
    }

    const paid = await transfer('100');
    expect({ status: paid.status, state: paid.body.currentState, transferState: paid.body.fulfil?.body?.transferState }).toEqual({
      status: 200,
      state: 'COMPLETED',
      transferState: 'COMMITTED',
    });
    // B's core backend saw the lookup, the quote and the transfer; the edge admitted both sides, the egress carried TTK's calls.
    expect(interop.backend.seen.map((s) => `${s.method} ${s.url.split('/').slice(0, 2).join('/')}`)).toEqual(
      expect.arrayContaining(['GET /parties', 'POST /quoterequests', 'POST /transfers']),
    );
    const edgeText = edgeLog.join('');
    expect(edgeText).toMatch(/"participantId":"dfsp-amber".*"edge admitted"/);
    expect(edgeText).toMatch(/"participantId":"dfsp-blue".*"edge admitted"/);
    expect(edgeText).toMatch(/"endpoint":"FSPIOP_CALLBACK_URL_TRANSFER_POST".*"egress sent"/);
  });

  it("B's engineers needed only the kit: it said what was next, signed everything locally, never sent a private key, and calls through the edge with its token", async () => {
    const b = dfsps.b;
    // The whole sandbox journey up to connected, in kit commands (the manual one took ~51 openssl/jq/curl commands).
    expect(kitCommands[b.id]).toEqual([
      `init --api ${interop.apiUrl} --participant ${b.id}`,
      'submit client-csr',
      'submit server-certificate',
      'submit hub-client-certificate',
      'submit jws-key',
      'submit endpoints',
      'submit oauth-client',
      'submit ip-allowlist --entries 127.0.0.1',
      'fetch ca',
      '--json fetch pack',
      'submit connectivity',
    ]);
    // Now only ops are awaited: next says so, in words; --json gives the same to scripts.
    const next = await kit(b, 'next');
    expect(next.code).toBe(0);
    expect(next.out).toContain('Nothing awaits you now; waiting on the hub:');
    expect(next.out).toMatch(/uat-signoff@sandbox#1: the ops team/);
    expect(JSON.parse(await kitOk(b, 'next', '--json'))).toMatchObject({
      next: [],
      awaiting: [expect.objectContaining({ instanceId: 'uat-signoff@sandbox#1' })],
    });

    // A refusal: exit 2 with the findings (a callback host the server certificate does not name); nothing changed.
    const refused = await kit(b, 'submit', 'endpoints', '--base', 'https://api.elsewhere.example');
    expect(refused.code).toBe(2);
    expect(refused.out).toMatch(/refused: SUBMISSION_REFUSED/);
    expect(refused.out).toMatch(/✗ [A-Z_]+: .*api\.elsewhere\.example/);
    expect(refused.out).toContain('fix what is marked and run the same command again');
    // Asked to send a private key, it refuses and says why; nothing reaches the API.
    const sent = kitRequests.length;
    const leak = await kit(b, 'submit', 'authorization-service', '--ca', path.join(b.kitDir ?? '', 'private', 'ca.key'));
    expect(leak.code).toBe(1);
    expect(leak.err).toMatch(/holds a private key\. The kit never sends a private key/);
    expect(kitRequests.length - sent).toBe(1); // the status read only
    expect((await kit(b, 'explain-keys')).out).toContain('The kit refuses to send a private key');

    // Private keys never left the folder: no request body the kit sent, and nothing in B's history, holds any of them.
    const privateDir = path.join(b.kitDir ?? '', 'private');
    const keyLines = privateKeyLines(b.kitDir ?? '');
    expect(keyLines.length).toBeGreaterThan(5 * 20);
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    const sentText = kitRequests.map((r) => r.body).join('\n');
    expect(sentText).not.toMatch(/PRIVATE KEY/);
    const history = await interop.rig.stack.client.workflow.getHandle(onboardingWorkflowId(b.id)).fetchHistory();
    const historyText = await payloadText(history);
    expect(historyText).toContain(b.id);
    expect(keyLines.filter((l) => sentText.includes(l) || historyText.includes(l))).toEqual([]);

    // Its token, and a signed FSPIOP request through the edge: admitted, reaches TTK. (test/unit/kit/kit-crypto.test.ts: the kit's signature is Mojaloop's signer's, byte for byte.)
    expect(await kitOk(b, 'token')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const body = JSON.stringify({ party: { partyIdInfo: { partyIdType: 'MSISDN', partyIdentifier: '221779990020', fspId: b.id } } });
    const called = await kit(b, 'call', 'PUT', '/parties/MSISDN/221779990020', '--destination', dfsps.a.id, '--body', body);
    expect([called.code, called.out.split('\n')[0]]).toEqual([0, '200']);
    await eventually(async () => (ttkSaw('221779990020') ? true : undefined), 10_000);
  });

  it("runs the scheme's UAT collection before each uat-signoff round: counts with the gate and in the UI, evidence for the DFSP and staff, a failed run in the reminder, one run however the worker is stopped", async () => {
    const a = dfsps.a;
    const b = dfsps.b;
    const gate = async (d: Dfsp, id: string) =>
      (await status(d)).instances.find((i): i is GateInstance => i.id === id && i.type === 'gate');
    // B's backend holds B's test party: TTK, paying it as the hub through the egress, passes every assertion of the collection.
    const bGate = await gate(b, 'uat-signoff@sandbox#1');
    expect(bGate?.run).toMatchObject({ task: 'uat-run@sandbox#1', outcome: 'passed', assertions: { passed: 28, total: 28 } });
    expect((await status(b)).tasks.find((t) => t.id === 'uat-run@sandbox#1')).toMatchObject({ status: 'done', round: 1 });
    // Nobody holds A's: its run fails, the gate says how, and ops still decide (the gate is open).
    const aGate = await gate(a, 'uat-signoff@sandbox#1');
    expect(aGate).toMatchObject({ status: 'open', run: { outcome: 'failed' } });
    expect(aGate?.run?.assertions?.passed).toBeLessThan(aGate?.run?.assertions?.total ?? 0);
    expect(aGate?.run?.summary).toMatch(/of 28 assertions passed; \d+ failed, first: /);

    // The evidence: the run's counts for the DFSP, its JSON result and HTML report; never another DFSP's, never a bearer token.
    const runs = await interop.app.inject({ method: 'GET', url: `/onboardings/${b.id}/uat-runs`, headers: asDfsp(b) });
    expect(runs.statusCode).toBe(200);
    const [run] = runs.json().runs as {
      runId: string;
      round: number;
      summary: { testCases: unknown[] };
      links: { json: string; html: string };
    }[];
    expect(run).toMatchObject({
      runId: bGate?.run?.runId,
      round: 1,
      summary: { testCases: [{ name: 'P2P Transfer Happy Path', passed: 28, total: 28 }] },
    });
    const result = await interop.app.inject({ method: 'GET', url: run?.links.json ?? '', headers: asDfsp(b) });
    expect(result.statusCode).toBe(200);
    expect(result.json().runtimeInformation).toMatchObject({ totalAssertions: 28, totalPassedAssertions: 28 });
    expect(result.body).not.toMatch(/Bearer /i);
    expect(result.body).toContain('[redacted]');
    const report = await interop.app.inject({ method: 'GET', url: run?.links.html ?? '', headers: keys.as('viewer@hub', 'viewer') });
    expect([report.statusCode, report.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
    expect(report.body).toMatch(/<html/i);
    expect(report.body).not.toMatch(/Bearer /i);
    const foreign = await interop.app.inject({ method: 'GET', url: run?.links.json ?? '', headers: asDfsp(a) });
    expect(foreign.statusCode).toBe(403);
    const unknown = await interop.app.inject({ method: 'GET', url: `/onboardings/${b.id}/uat-runs/uat-nope`, headers: asDfsp(b) });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'UAT_RUN_NOT_FOUND']);

    // The reminder of A's gate names the failed run; the Temporal UI's current details show both outcomes.
    const reminder = await eventually(async () => {
      const lines = readFileSync(path.join(interop.rig.stack.dataDir, 'outbox', 'notifications.jsonl'), 'utf8')
        .trim()
        .split('\n');
      return lines
        .map((l) => JSON.parse(l) as { participantId: string; instanceId: string; event: string; detail?: string })
        .find((n) => n.participantId === a.id && n.instanceId === 'uat-signoff@sandbox#1' && n.event === 'reminder');
    }, 30_000);
    expect(reminder.detail).toMatch(/^The hub's run uat-run@sandbox#1 FAILED: \d+ of 28 assertions passed/);
    const details = async (d: Dfsp) =>
      (
        await interop.rig.stack.client.workflow
          .getHandle(onboardingWorkflowId(d.id))
          .query<{ currentDetails: string }>('__temporal_workflow_metadata')
      ).currentDetails;
    expect(await details(b)).toContain('hub run `uat-run@sandbox#1` **passed**: 28 of 28 assertions passed');
    expect(await details(a)).toMatch(/hub run `uat-run@sandbox#1` \*\*failed\*\*/);

    // Ops reject B's round; B fixes and asks for a retest; the worker is stopped while round 2's run is under way.
    const lookups = () => interop.backend.seen.filter((s) => s.method === 'GET' && s.url.startsWith('/parties/')).length;
    const before = lookups();
    const seenBefore = interop.backend.seen.length;
    const rejected = await interop.app.inject({
      method: 'POST',
      url: `/onboardings/${b.id}/approvals`,
      headers: keys.staff('ops-lead@hub'),
      payload: { gate: 'uat-signoff', environment: 'sandbox', decision: 'rejected', comment: 'settlement report missing' },
    });
    expectOk(rejected, 'reject uat');
    await awaiting(b, 'uat-retest@sandbox#1');
    expectOk(await submit(b, 'uat-retest', { environment: 'sandbox', summary: 'settlement report added' }), 'uat-retest');
    const runId = `uat-${b.id}-sandbox-r2-${(await interop.rig.stack.client.workflow.getHandle(onboardingWorkflowId(b.id)).describe()).runId}`;
    // B's backend is slow over the quote: the stop lands while TTK waits for it.
    interop.backend.settings.quoteDelayMs = 4000;
    await eventually(async () => {
      const res = await fetch(`${interop.ttk.adminUrl}/hub/uat-runs/${runId}`);
      const running = res.ok && ((await res.json()) as { state: string }).state === 'running';
      return running && interop.backend.seen.some((s, i) => i >= seenBefore && s.url === '/quoterequests') ? true : undefined;
    }, 30_000);
    await interop.rig.restartWorker();
    interop.backend.settings.quoteDelayMs = 0;
    await awaiting(b, 'uat-signoff@sandbox#2');
    expect((await gate(b, 'uat-signoff@sandbox#2'))?.run).toMatchObject({ task: 'uat-run@sandbox#2', outcome: 'passed', runId });
    // The second attempt collected the first one's run: B's backend saw one more lookup, not two.
    const history = await interop.rig.stack.client.workflow.getHandle(onboardingWorkflowId(b.id)).fetchHistory();
    const attempts = (history.events ?? [])
      .filter((e) => e.activityTaskStartedEventAttributes)
      .map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0);
    expect(Math.max(...attempts)).toBeGreaterThanOrEqual(2);
    expect(lookups() - before).toBe(1);
    const listed = (await interop.app.inject({ method: 'GET', url: `/onboardings/${b.id}/uat-runs`, headers: asDfsp(b) })).json().runs;
    expect(listed.map((r: { round: number }) => r.round)).toEqual([2, 1]);
  });

  it('refuses at the edge, before TTK sees it: a tampered signature, no token, and production before go-live', async () => {
    const a = dfsps.a;
    const token = await tokenOf(a);
    const sandbox = Number(interop.rig.stack.gateway.listen.sandbox.split(':')[1]);
    const production = Number(interop.rig.stack.gateway.listen.production.split(':')[1]);
    // The same request, untampered, with the token: admitted and it reaches TTK (so the refusals below are the edge's).
    const admitted = await sendAsA(sandbox, '221779990000', { token: token.access_token });
    expect(admitted.status).toBe(200);
    await eventually(async () => (ttkSaw('221779990000') ? true : undefined), 10_000);

    const tampered = await sendAsA(sandbox, '221779990001', { token: token.access_token, tamper: true });
    expect([tampered.status, JSON.parse(tampered.body).errorInformation.errorCode]).toEqual([400, '3105']);
    const tokenless = await sendAsA(sandbox, '221779990002', {});
    expect([tokenless.status, JSON.parse(tokenless.body).errorInformation.errorCode]).toEqual([401, '3000']);
    // Production: A has not gone live there; its certificate is not admitted on the production listener at all.
    const early = await sendAsA(production, '221779990003', { token: token.access_token });
    expect(early.status).toBe(403);
    await new Promise((r) => setTimeout(r, 1000));
    for (const refused of ['221779990001', '221779990002', '221779990003'])
      expect({ refused, reachedTtk: ttkSaw(refused) }).toEqual({ refused, reachedTtk: false });
    expect(edgeLog.join('')).toMatch(/"code":"FSPIOP_SIGNATURE_INVALID"/);
  });

  it('rotates A’s JWS key: both keys live for the overlap, B’s pack is a new version naming the change, and A pays B with the new key', async () => {
    const a = dfsps.a;
    const opened = await interop.app.inject({
      method: 'POST',
      url: `/onboardings/${a.id}/rounds`,
      headers: asDfsp(a),
      payload: { submission: 'jws-key', environment: 'sandbox', reason: 'yearly key rotation' },
    });
    expect(opened.statusCode).toBe(201);
    expect(opened.json().submission).toMatchObject({ id: 'jws-key@sandbox#2', status: 'open' });
    // A second request while the round is open is refused.
    const twice = await interop.app.inject({
      method: 'POST',
      url: `/onboardings/${a.id}/rounds`,
      headers: asDfsp(a),
      payload: { submission: 'jws-key', environment: 'sandbox', reason: 'again' },
    });
    expect(twice.statusCode).toBe(409);
    const oldKeyFile = a.jwsKeyFile ?? '';
    const newKeyFile = ssl.key(`${a.id}-jws-2.key`, 'rsa:2048');
    // The proof arrives while no worker runs (one stopped, the next not yet up): it is checked once by the next, the key not lost.
    const proof = await jwsKeyProof(a, 'jws-key@sandbox#2', newKeyFile);
    let proving: ReturnType<typeof submitJwsKey> | undefined;
    await interop.rig.restartWorker(() => {
      proving = submitJwsKey(a, proof);
    });
    const rotated = await (proving as ReturnType<typeof submitJwsKey>);
    expect(Date.parse(rotated.previousValidUntil ?? '')).toBeGreaterThan(Date.now() + 86_400_000);
    const directory = (await interop.app.inject({ method: 'GET', url: '/jws-keys?environment=sandbox', headers: asDfsp(a) })).json()
      .keys as {
      participantId: string;
      kid: string;
    }[];
    expect(directory.filter((k) => k.participantId === a.id)).toHaveLength(2);

    // B's next pack is version 2 and says what changed; A's own pack is unchanged (it never holds its own key).
    const bPack = await installPack(dfsps.b);
    expect(bPack.version).toBe(2);
    expect(bPack.changes).toEqual([{ file: `jws-keys/${a.id}.pem`, change: 'changed', why: `${a.id}'s JWS key` }]);
    const aPack = await interop.app.inject({
      method: 'GET',
      url: `/onboardings/${a.id}/connection-pack?environment=sandbox&format=json`,
      headers: asDfsp(a),
    });
    expect(aPack.json().version).toBe(1);

    // B installs its new pack; A signs with its new key. The old key still passes the edge during the overlap.
    const sandbox = Number(interop.rig.stack.gateway.listen.sandbox.split(':')[1]);
    const token = (await tokenOf(a)).access_token;
    expect((await sendAsA(sandbox, '221779990010', { token, keyFile: oldKeyFile })).status).toBe(200);
    expect((await sendAsA(sandbox, '221779990011', { token, keyFile: newKeyFile })).status).toBe(200);
    await runSdk(dfsps.b);
    a.jwsKeyFile = newKeyFile;
    await installPack(a);
    await runSdk(a);
    const paid = await transfer('250');
    expect({ state: paid.body.currentState, transferState: paid.body.fulfil?.body?.transferState }).toEqual({
      state: 'COMPLETED',
      transferState: 'COMMITTED',
    });
    expect(readFileSync(path.join(a.packDir ?? '', 'own', 'jws.key'), 'utf8')).not.toBe(readFileSync(oldKeyFile, 'utf8'));
    const history = await interop.app.inject({
      method: 'GET',
      url: `/onboardings/${dfsps.b.id}/connection-pack/versions?environment=sandbox`,
      headers: asDfsp(dfsps.b),
    });
    expect(history.json().versions.map((v: { version: number }) => v.version)).toEqual([1, 2]);
  });

  it("rotates the hub's own JWS key as an ops action: both live for the overlap, every DFSP's next pack names the change", async () => {
    const participant = await interop.app.inject({
      method: 'POST',
      url: '/hub/jws-key/rotations',
      headers: asDfsp(dfsps.a),
      payload: { reason: 'yearly' },
    });
    expect(participant.statusCode).toBe(403);
    const rotated = await interop.app.inject({
      method: 'POST',
      url: '/hub/jws-key/rotations',
      headers: keys.as('tool@hub', 'operator'),
      payload: { reason: 'yearly hub key rotation' },
    });
    expect(rotated.statusCode).toBe(201);
    const { previousKid, kid } = rotated.json() as { previousKid: string; kid: string };
    expect(kid).not.toBe(previousKid);
    const directory = (await interop.app.inject({ method: 'GET', url: '/jws-keys?environment=sandbox', headers: asDfsp(dfsps.a) })).json()
      .keys as { participantId: string; kid: string; retiresAt: string | null }[];
    expect(directory.filter((k) => k.participantId === '@hub').map((k) => [k.kid, k.retiresAt])).toEqual([
      [previousKid, rotated.json().previousValidUntil],
      [kid, null],
    ]);
    const pack = await interop.app.inject({
      method: 'GET',
      url: `/onboardings/${dfsps.a.id}/connection-pack?environment=sandbox&format=json`,
      headers: asDfsp(dfsps.a),
    });
    expect(pack.json()).toMatchObject({ version: 2, changes: [{ file: 'jws-keys/hub.pem', change: 'changed', why: "the hub's JWS key" }] });
  });

  it('rotates B’s JWS key with the kit: a new round, a new key made and proven in its folder, the old one kept beside it for the overlap', async () => {
    const b = dfsps.b;
    const before = readFileSync(path.join(b.kitDir ?? '', 'private', 'sandbox', 'jws.key'), 'utf8');
    const out = await kitOk(b, 'rotate', 'jws-key', '--reason', 'yearly rotation');
    expect(out).toMatch(/^jws-key@sandbox#2: accepted \(kid .+; the previous key stays valid until 20\d\d-/);
    const folder = (f: string) => readFileSync(path.join(b.kitDir ?? '', 'private', 'sandbox', f), 'utf8');
    expect(folder('jws.previous.key')).toBe(before);
    expect(folder('jws.key')).not.toBe(before);
    expect(existsSync(path.join(b.kitDir ?? '', 'private', 'sandbox', 'jws.next.key'))).toBe(false);
    // Both of B's keys are live in the directory; the new one is the key the kit now signs with.
    const directory = (await interop.app.inject({ method: 'GET', url: '/jws-keys?environment=sandbox', headers: asDfsp(b) })).json()
      .keys as {
      participantId: string;
      publicKeyPem: string;
    }[];
    const mine = directory.filter((k) => k.participantId === b.id);
    expect(mine).toHaveLength(2);
    expect(mine.map((k) => k.publicKeyPem.trim())).toContain(
      ssl.run(['pkey', '-in', path.join(b.kitDir ?? '', 'private', 'sandbox', 'jws.key'), '-pubout']).trim(),
    );
    // No private key went out with the rotation either.
    expect(kitRequests.map((r) => r.body).join('\n')).not.toMatch(/PRIVATE KEY/);
  });
});
