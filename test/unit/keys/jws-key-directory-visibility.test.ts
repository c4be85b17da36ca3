/**
 * Who sees what of `GET /jws-keys`: staff every live key; a participant the hub's, its own, and its
 * peers' in the environments where it holds a key itself (not a peer suspended there); a TPP or a
 * bank, with no key, the hub's only. Real SQLite registry, real API (app.inject).
 */
import pino from 'pino';
import { buildApp } from '../../../api/app';
import type { OnboardingPort } from '../../../api/onboarding-gateway';
import { hubKeyOwner } from '../../../activities/keys/hub-jws-key';
import { ParticipantKeyDirectory } from '../../../activities/keys/participant-keys';
import { NetworkRegistry } from '../../../activities/network/network-registry';
import { openRegistry, type RegistryDb } from '../../../activities/registry/database';
import { testKeys } from '../../support/auth';
import { registryBackends } from '../../support/postgres';

const keys = testKeys();
const unused = async () => Promise.reject(new Error('not used'));
const gateway: OnboardingPort = {
  start: unused,
  status: unused,
  decide: unused,
  submit: unused,
  search: unused,
  stuck: unused,
  cancel: unused,
  halt: unused,
  openRound: unused,
  ping: async () => undefined,
};

describe.each(registryBackends)('the JWS key directory (registry on $name)', (backend) => {
  let db: RegistryDb;
  let app: ReturnType<typeof buildApp>;
  const at = new Date('2026-12-01T00:00:00Z');

  beforeAll(async () => {
    db = await openRegistry(await backend.location('jws-visibility'));
    const directory = new ParticipantKeyDirectory(db);
    const record = (participantId: string, environment: string, kid: string) =>
      directory.recordJwsKey(
        {
          participantId,
          environment,
          kid,
          spkiSha256: kid.padEnd(64, '0'),
          publicKeyPem: `pem-${kid}`,
          notAfter: null,
          writeKey: `w-${kid}`,
        },
        at,
      );
    await record(hubKeyOwner, 'sandbox', 'hub-s');
    await record('live-dfsp', 'sandbox', 'live-s');
    await record('live-dfsp', 'production', 'live-p');
    await record('onboarding-dfsp', 'sandbox', 'onb-s');
    await record('suspended-dfsp', 'sandbox', 'susp-s');
    const network = new NetworkRegistry(db);
    await network.setGrant('live-dfsp', 'sandbox', 'granted', 'g1', at);
    await network.setGrant('suspended-dfsp', 'sandbox', 'granted', 'g2', at);
    await network.setGrant('suspended-dfsp', 'sandbox', 'revoked', 'g3', at);
    app = buildApp({
      gateway,
      authenticator: keys.authenticator,
      logger: pino({ level: 'silent' }),
      jwsKeys: (environment) => directory.liveJwsKeys(environment),
      publishedJwsKeys: (viewers, environment) => directory.publishedJwsKeys(viewers, environment),
    });
  });
  afterAll(async () => {
    await app.close();
    await db.destroy();
  });

  const kids = async (headers: Record<string, string>, query = '') => {
    const res = await app.inject({ method: 'GET', url: `/jws-keys${query}`, headers });
    expect(res.statusCode).toBe(200);
    return (res.json().keys as { kid: string }[]).map((k) => k.kid);
  };

  describe('GET /jws-keys', () => {
    it('shows staff every live key', async () => {
      expect(await kids(keys.staff())).toEqual(['hub-s', 'live-p', 'live-s', 'onb-s', 'susp-s']);
    });

    it("shows a DFSP the hub's keys, its own and its peers' where it holds a key itself — not a suspended peer's, not another environment's", async () => {
      expect(await kids(keys.as('tech@onboarding-dfsp', 'participant:onboarding-dfsp'))).toEqual(['hub-s', 'live-s', 'onb-s']);
      expect(await kids(keys.as('tech@onboarding-dfsp', 'participant:onboarding-dfsp'), '?environment=production')).toEqual([]);
      expect(await kids(keys.as('tech@live-dfsp', 'participant:live-dfsp'))).toEqual(['hub-s', 'live-p', 'live-s', 'onb-s']);
    });

    it("shows a participant with no key of its own (a TPP, a bank) the hub's keys only, not the roster of DFSPs", async () => {
      expect(await kids(keys.as('it@some-tpp', 'participant:some-tpp'))).toEqual(['hub-s']);
      expect(await kids(keys.as('it@some-tpp', 'participant:some-tpp'), '?environment=sandbox')).toEqual(['hub-s']);
    });
  });
});
