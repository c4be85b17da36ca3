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
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from '../support/eventually';
import {
  asDfsp,
  awaiting,
  dfsps,
  expectOk,
  edgeLog,
  installPack,
  interop,
  keys,
  proveJwsKey,
  runSdk,
  sendAsA,
  ssl,
  startInteropRig,
  status,
  stopInteropRig,
  submit,
  submitEverything,
  tokenOf,
  transfer,
  ttkSaw,
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
    await submitEverything(dfsps.b);
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
      expectOk(await submit(d, 'connectivity', { environment: 'sandbox' }), `${d.id} connectivity`);
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
    const rotated = await proveJwsKey(a, 'jws-key@sandbox#2', newKeyFile);
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
});
