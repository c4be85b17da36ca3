/**
 * The registry's guarantees under concurrency, on both databases: what one worker process used to
 * get from running alone is kept by the database itself (unique write keys, SERIALIZABLE
 * transactions retried on conflict, partial unique indexes), so on PostgreSQL two processes —
 * here two separate connection pools to one database — racing the same step write it once.
 * SQLite is the one-machine default: its writers are serialised by the file lock.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RegistryCredentialIssuer } from '../../activities/credentials/credential-issuer';
import { SecretPickups } from '../../activities/credentials/secret-pickup';
import { ParticipantKeyDirectory } from '../../activities/keys/participant-keys';
import { NetworkAccessService } from '../../activities/network/access';
import type { Gateway, GatewayState } from '../../activities/network/gateway';
import { NetworkRegistry } from '../../activities/network/network-registry';
import { HubClientKeys, hubClientSubject } from '../../activities/pki/hub-client-keys';
import { openRegistry, type RegistryDb } from '../../activities/registry/database';
import { registryBackends } from '../support/postgres';

const at = new Date('2026-12-01T00:00:00Z');

describe.each(registryBackends)('the registry under concurrent writers on $name', (backend) => {
  // Two "processes": two pools on PostgreSQL; on SQLite one handle (one process serialises its writes).
  let a: RegistryDb;
  let b: RegistryDb;
  const keyFile = path.join(mkdtempSync(path.join(tmpdir(), 'registry-concurrency-')), 'pickup.key');
  beforeAll(async () => {
    const location = await backend.location('registry-concurrency');
    a = await openRegistry(location);
    b = backend.name === 'PostgreSQL' ? await openRegistry(location) : a;
  });
  afterAll(async () => {
    await a.destroy();
    if (b !== a) await b.destroy();
  });
  const both = <T>(n: number, f: (db: RegistryDb, i: number) => Promise<T>) =>
    Promise.all(Array.from({ length: n }, (_, i) => f(i % 2 === 0 ? a : b, i)));

  it('records a JWS key once when the same step is written 12 times at once, and leaves one current key', async () => {
    const records = await both(12, (db) =>
      new ParticipantKeyDirectory(db).recordJwsKey(
        {
          participantId: 'dfsp-a',
          environment: 'sandbox',
          kid: 'k1',
          spkiSha256: '1'.repeat(64),
          publicKeyPem: 'pem-1',
          notAfter: null,
          writeKey: 'dfsp-a/jws/1',
        },
        at,
      ),
    );
    expect(new Set(records.map((r) => r.kid))).toEqual(new Set(['k1']));
    const rows = await a.selectFrom('participantKeys').selectAll().where('participantId', '=', 'dfsp-a').execute();
    expect(rows).toHaveLength(1);
  });

  it('numbers allowlist versions without a gap or a twin when different steps replace it at once, and a repeated step returns its version', async () => {
    const versions = await both(10, (db, i) =>
      new NetworkRegistry(db).replaceAllowlist('dfsp-a', 'sandbox', [`10.0.${i}.0/24`], `allow-${i}`, at),
    );
    expect(versions.map((v) => v.version).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const again = await both(4, (db) => new NetworkRegistry(db).replaceAllowlist('dfsp-a', 'sandbox', ['10.0.3.0/24'], 'allow-3', at));
    expect(new Set(again.map((v) => v.version))).toEqual(new Set([versions[3]?.version]));
    expect((await new NetworkRegistry(a).currentAllowlist('dfsp-a', 'sandbox'))?.version).toBe(10);
  });

  it('issues one OAuth client with one secret pickup when the same issuance runs 8 times at once', async () => {
    const issued = await both(8, (db) =>
      new RegistryCredentialIssuer(db, new SecretPickups(db, keyFile)).issue({
        participantId: 'tpp-a',
        environment: 'sandbox',
        scopes: ['accounts'],
        authMethod: 'client_secret_basic',
        writeKey: 'tpp-a/oauth/1',
      }),
    );
    expect(new Set(issued.map((c) => c.clientId)).size).toBe(1);
    expect(new Set(issued.map((c) => c.secretPickup))).toEqual(new Set([issued[0]?.secretPickup]));
    expect(issued[0]?.secretPickup).toEqual(expect.any(String));
    expect(await a.selectFrom('oauthClients').selectAll().where('participantId', '=', 'tpp-a').execute()).toHaveLength(1);
    expect(await a.selectFrom('credentialPickups').selectAll().where('writeKey', '=', 'tpp-a/oauth/1').execute()).toHaveLength(1);
  });

  it('keeps exactly one live hub client key per participant and environment when 6 ask at once', async () => {
    const secret = Buffer.alloc(32, 7);
    const made = await both(6, (db) => new HubClientKeys(db, secret, hubClientSubject('Test Hub')).prepare('dfsp-b', 'sandbox', at));
    expect(new Set(made.map((k) => k.csrPem)).size).toBe(1);
    expect(
      await a.selectFrom('hubClientKeys').selectAll().where('participantId', '=', 'dfsp-b').where('retiredAt', 'is', null).execute(),
    ).toHaveLength(1);
  });

  it('keeps one grant row per participant and environment, the last decision winning, under concurrent grants and revocations', async () => {
    await both(10, (db, i) => new NetworkRegistry(db).setGrant('dfsp-c', 'sandbox', i % 2 === 0 ? 'granted' : 'revoked', `grant-${i}`, at));
    const rows = await a.selectFrom('gatewayGrants').selectAll().where('participantId', '=', 'dfsp-c').execute();
    expect(rows).toHaveLength(1);
    expect(['granted', 'revoked']).toContain(rows[0]?.state);
  });

  it('has one gateway writer at a time: 10 grants from two processes at once, every applied state complete, the last with all 10', async () => {
    const applied: string[][] = [];
    // A gateway that takes its time, as nginx -t and a reload do: without the writer lock a slower apply overwrites a faster one's change.
    const gateway: Gateway = {
      apply: async (state: GatewayState) => {
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 15));
        applied.push(state.sandbox.map((p) => p.participantId).sort());
        return { configSha256: String(applied.length), status: 'applied', message: 'ok', running: true, live: true };
      },
    };
    const ids = Array.from({ length: 10 }, (_, i) => `dfsp-w${i}`);
    await both(10, (db, i) =>
      new NetworkAccessService(new NetworkRegistry(db), gateway).grant(ids[i] as string, 'sandbox', `grant-w${i}`, 'test', at),
    );
    const granted = (state: string[]) => state.filter((id) => id.startsWith('dfsp-w'));
    // Each revision holds every grant recorded before it: the sizes grow 1, 2, …, 10.
    expect(applied.map((state) => granted(state).length)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(granted(applied[applied.length - 1] ?? [])).toEqual([...ids].sort());
    const network = new NetworkRegistry(a);
    expect(granted((await network.desiredState(at)).sandbox.map((p) => p.participantId)).sort()).toEqual([...ids].sort());
  });
});
