/** The JWS key directory's rotation overlap: a replaced key stays live beside its successor until the overlap ends, then it is not. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ParticipantKeyDirectory } from '../../../activities/keys/participant-keys';
import { openRegistry, type RegistryDb } from '../../../activities/registry/database';

let db: RegistryDb;
beforeAll(async () => {
  db = await openRegistry(path.join(mkdtempSync(path.join(tmpdir(), 'jws-rotation-')), 'registry.sqlite'));
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
