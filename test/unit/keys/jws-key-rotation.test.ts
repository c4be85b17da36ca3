/** The JWS key directory's rotation overlap: a replaced key stays live beside its successor until the overlap ends, then it is not. */
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureHubJwsKey, hubJwsKeyFile, hubKeyOwner, rotateHubJwsKey } from '../../../activities/keys/hub-jws-key';
import { ParticipantKeyDirectory } from '../../../activities/keys/participant-keys';
import { openRegistry, type RegistryDb } from '../../../activities/registry/database';
import { registryBackends } from '../../support/postgres';

describe.each(registryBackends)('JWS key rotation (registry on $name)', (backend) => {
  let db: RegistryDb;
  beforeAll(async () => {
    db = await openRegistry(await backend.location('jws-rotation'));
  });
  afterAll(() => db.destroy());

  const key = (kid: string, writeKey: string, overlapMs?: number) => ({
    participantId: 'dfsp-alpha',
    environment: 'sandbox',
    kid,
    spkiSha256: kid.repeat(8).slice(0, 64),
    publicKeyPem: `pem-${kid}`,
    notAfter: null,
    writeKey,
    ...(overlapMs ? { overlapMs } : {}),
  });
  const live = async (directory: ParticipantKeyDirectory, at: Date) =>
    (await directory.liveJwsKeys('sandbox', at)).filter((k) => k.participantId === 'dfsp-alpha').map((k) => k.kid);

  it('keeps the replaced key live for the overlap, the newest is current, and a later rotation keeps the first retirement', async () => {
    const directory = new ParticipantKeyDirectory(db);
    const t0 = new Date('2026-12-01T00:00:00Z');
    const hour = 3_600_000;
    await directory.recordJwsKey(key('k1', 'w1'), t0);
    await directory.recordJwsKey(key('k2', 'w2', 24 * hour), new Date(t0.getTime() + hour));
    expect(await live(directory, new Date(t0.getTime() + 2 * hour))).toEqual(['k1', 'k2']);
    expect((await directory.currentJwsKey('dfsp-alpha', 'sandbox', new Date(t0.getTime() + 2 * hour)))?.kid).toBe('k2');
    // A retried activity (same write key) records nothing new.
    await directory.recordJwsKey(key('k2', 'w2', 24 * hour), new Date(t0.getTime() + 3 * hour));
    expect(await live(directory, new Date(t0.getTime() + 3 * hour))).toEqual(['k1', 'k2']);
    // A second rotation during the overlap: k1 keeps its own end, k2 gets one.
    await directory.recordJwsKey(key('k3', 'w3', 48 * hour), new Date(t0.getTime() + 4 * hour));
    expect(await live(directory, new Date(t0.getTime() + 5 * hour))).toEqual(['k1', 'k2', 'k3']);
    expect(await live(directory, new Date(t0.getTime() + 26 * hour))).toEqual(['k2', 'k3']);
    expect(await live(directory, new Date(t0.getTime() + 53 * hour))).toEqual(['k3']);
    // Without an overlap the replacement is at once.
    await directory.recordJwsKey(key('k4', 'w4'), new Date(t0.getTime() + 54 * hour));
    expect(await live(directory, new Date(t0.getTime() + 54 * hour))).toEqual(['k4']);
  });

  describe("the hub's own key rotation, stopped by a crash", () => {
    const hour = 3_600_000;
    const hubLive = async (directory: ParticipantKeyDirectory, at: Date) =>
      (await directory.liveJwsKeys('sandbox', at)).filter((k) => k.participantId === hubKeyOwner);

    /** A directory that fails (as a process killed mid-write would stop) on its `failAt`-th record. */
    class CrashingDirectory extends ParticipantKeyDirectory {
      calls = 0;
      constructor(
        database: RegistryDb,
        private readonly failAt: number,
      ) {
        super(database);
      }
      override async recordJwsKey(...args: Parameters<ParticipantKeyDirectory['recordJwsKey']>) {
        this.calls += 1;
        if (this.calls === this.failAt) throw new Error('killed');
        return super.recordJwsKey(...args);
      }
    }

    it('is finished by the next start: the old key stays live for the whole overlap from the rotation, no third key, the new key signs', async () => {
      const registry = await openRegistry(await backend.location('hub-rotation'));
      const dir = mkdtempSync(path.join(tmpdir(), 'hub-jws-'));
      const t0 = new Date('2026-12-01T00:00:00Z');
      const first = await ensureHubJwsKey(dir, new ParticipantKeyDirectory(registry), t0);
      // The rotation publishes the first key again (2 environments: records 1-2), then the next key: killed at record 3.
      const crashing = new CrashingDirectory(registry, 3);
      await expect(rotateHubJwsKey(dir, crashing, 24 * hour, t0)).rejects.toThrow('killed');
      // Until the next start the old key still signs and is the only current one.
      expect(createPublicKey(readFileSync(hubJwsKeyFile(dir))).export({ type: 'spki', format: 'pem' })).toBe(first.publicKeyPem);
      // The next start (worker or API) finishes the rotation an hour later, with the overlap counted from the rotation.
      const restarted = await ensureHubJwsKey(dir, new ParticipantKeyDirectory(registry), new Date(t0.getTime() + hour));
      expect(restarted.kid).not.toBe(first.kid);
      const keysNow = await hubLive(new ParticipantKeyDirectory(registry), new Date(t0.getTime() + 2 * hour));
      expect(keysNow.map((k) => [k.kid, k.retiresAt])).toEqual([
        [first.kid, new Date(t0.getTime() + 24 * hour).toISOString()],
        [restarted.kid, null],
      ]);
      expect(createPublicKey(readFileSync(hubJwsKeyFile(dir))).export({ type: 'spki', format: 'pem' })).toBe(restarted.publicKeyPem);
      expect(readdirSync(dir).sort()).toEqual([`hub-jws-${first.kid}.retired.key`, 'hub-jws.key']);
      // Started again: nothing changes.
      expect((await ensureHubJwsKey(dir, new ParticipantKeyDirectory(registry), new Date(t0.getTime() + 3 * hour))).kid).toBe(
        restarted.kid,
      );
      expect(await hubLive(new ParticipantKeyDirectory(registry), new Date(t0.getTime() + 25 * hour))).toHaveLength(1);
      // And the next rotation goes through from there.
      const again = await rotateHubJwsKey(dir, new ParticipantKeyDirectory(registry), hour, new Date(t0.getTime() + 30 * hour));
      expect(again.previousKid).toBe(restarted.kid);
      await registry.destroy();
    });
  });
});
