/**
 * Participants' API keys in the registry: issued through the API (shown once), effective at once in
 * another API process on the same database, rotated (the old key stops at once) and revoked — no
 * restart anywhere; the key file's entries are a one-time import; self-start only where allowed.
 */
import pino from 'pino';
import { buildApp } from '../../api/app';
import { ApiKeyStore } from '../../api/api-keys';
import { createAuthenticator, newApiKey } from '../../api/auth';
import type { OnboardingPort } from '../../api/onboarding-gateway';
import { openRegistry, type RegistryDb } from '../../activities/registry/database';
import { sampleStatus } from '../support/samples';
import { progressOf } from '../../workflows/messages';
import { startBody } from '../support/requests';
import { registryBackends } from '../support/postgres';

const started: string[] = [];
const gateway: OnboardingPort = {
  start: async (body) => {
    started.push(body.participantId);
    return { created: true, workflowId: `onboarding-${body.participantId}`, progress: progressOf(sampleStatus(body.participantId)) };
  },
  status: async (id) => ({ workflowId: `onboarding-${id}`, onboarding: sampleStatus(id) }),
  decide: () => Promise.reject(new Error('not used')),
  submit: () => Promise.reject(new Error('not used')),
  ping: async () => undefined,
  cancel: async () => undefined,
  openRound: () => Promise.reject(new Error('not used')),
  halt: () => Promise.reject(new Error('not used')),
  search: async () => ({ onboardings: [], nextPageToken: null }),
  stuck: async () => ({ groups: [], scanned: 0, truncated: false }),
};

describe.each(registryBackends)('API keys (registry on $name)', (backend) => {
  let location: string;
  beforeAll(async () => {
    location = await backend.location('api-keys');
  });
  const operatorKey = newApiKey('otto@hub', ['operator']);
  const dbs: RegistryDb[] = [];

  /** One API process: its own connection to the shared registry file, the operator key from the "key file". */
  async function apiProcess(opts: { selfStart?: boolean } = {}) {
    const db = await openRegistry(location);
    dbs.push(db);
    const store = new ApiKeyStore(db);
    await store.importFile([operatorKey.entry]);
    return buildApp({
      gateway,
      authenticator: createAuthenticator([], undefined, store),
      logger: pino({ level: 'silent' }),
      apiKeys: { store, publicUrl: 'https://onboarding.hub.example' },
      participantSelfStart: opts.selfStart ?? false,
    });
  }

  const bearer = (key: string, scheme = 'Bearer') => ({ authorization: `${scheme} ${key}` });
  const operator = bearer(operatorKey.key);

  afterAll(async () => {
    for (const db of dbs) await db.destroy();
  });

  describe('participant API keys', () => {
    it('are issued in one API process and accepted by another at once; rotation and revocation stop the old key everywhere', async () => {
      const a = await apiProcess();
      const b = await apiProcess();
      const issued = await a.inject({
        method: 'POST',
        url: '/participants/dfsp-kit/api-keys',
        headers: operator,
        payload: { label: 'kit' },
      });
      expect(issued.statusCode).toBe(201);
      const body = issued.json();
      expect(body.apiKey).toMatchObject({ name: 'kit@dfsp-kit', grants: ['participant:dfsp-kit'], state: 'active', createdBy: 'otto@hub' });
      expect(body.secret).toEqual({ value: expect.stringMatching(/^obk_/), shownOnce: true });
      expect(body.invitation.command).toBe('npm run kit -- init --api https://onboarding.hub.example --participant dfsp-kit');
      const key = body.secret.value as string;

      // The other process, never restarted, accepts it — for its own onboarding only; the scheme name in any case.
      for (const scheme of ['Bearer', 'bearer', 'BEARER']) {
        expect((await b.inject({ method: 'GET', url: '/onboardings/dfsp-kit', headers: bearer(key, scheme) })).statusCode).toBe(200);
      }
      expect((await b.inject({ method: 'GET', url: '/onboardings/dfsp-other', headers: bearer(key) })).statusCode).toBe(403);
      // A participant key manages no keys; it lists its own (never a key or hash).
      expect(
        (await b.inject({ method: 'POST', url: '/participants/dfsp-kit/api-keys', headers: bearer(key), payload: { label: 'more' } }))
          .statusCode,
      ).toBe(403);
      const listed = await b.inject({ method: 'GET', url: '/participants/dfsp-kit/api-keys', headers: bearer(key) });
      expect(listed.json().keys).toEqual([expect.objectContaining({ keyId: body.apiKey.keyId, state: 'active' })]);
      expect(listed.body).not.toContain(key);
      expect(listed.body).not.toContain('sha256:');
      expect((await b.inject({ method: 'GET', url: '/participants/dfsp-other/api-keys', headers: bearer(key) })).statusCode).toBe(403);

      // Rotated in B: the old key is refused by A from the next request; the new one works in A.
      const rotated = await b.inject({
        method: 'POST',
        url: `/participants/dfsp-kit/api-keys/${body.apiKey.keyId}/rotate`,
        headers: operator,
        payload: { reason: 'engineer left' },
      });
      expect(rotated.statusCode).toBe(201);
      const newKey = rotated.json().secret.value as string;
      expect(newKey).not.toBe(key);
      expect(rotated.json().apiKey.name).toBe('kit@dfsp-kit');
      const old = await a.inject({ method: 'GET', url: '/onboardings/dfsp-kit', headers: bearer(key) });
      expect([old.statusCode, old.json().code]).toEqual([401, 'UNAUTHENTICATED']);
      expect((await a.inject({ method: 'GET', url: '/onboardings/dfsp-kit', headers: bearer(newKey) })).statusCode).toBe(200);
      const again = await a.inject({
        method: 'POST',
        url: `/participants/dfsp-kit/api-keys/${body.apiKey.keyId}/rotate`,
        headers: operator,
        payload: { reason: 'twice' },
      });
      expect([again.statusCode, again.json().code]).toEqual([409, 'API_KEY_REVOKED']);

      // Revoked in A: B refuses it at once.
      const revoked = await a.inject({
        method: 'POST',
        url: `/participants/dfsp-kit/api-keys/${rotated.json().apiKey.keyId}/revoke`,
        headers: operator,
        payload: { reason: 'contract ended' },
      });
      expect(revoked.json().apiKey).toMatchObject({ state: 'revoked', revokedBy: 'otto@hub', revokedReason: 'contract ended' });
      expect((await b.inject({ method: 'GET', url: '/onboardings/dfsp-kit', headers: bearer(newKey) })).statusCode).toBe(401);
      const states = (await b.inject({ method: 'GET', url: '/participants/dfsp-kit/api-keys', headers: operator })).json().keys;
      expect(states.map((k: { state: string; replacedBy: string | null }) => [k.state, k.replacedBy])).toEqual([
        ['revoked', rotated.json().apiKey.keyId],
        ['revoked', null],
      ]);
      const unknown = await b.inject({
        method: 'POST',
        url: '/participants/dfsp-other/api-keys/' + body.apiKey.keyId + '/revoke',
        headers: operator,
        payload: { reason: 'wrong participant' },
      });
      expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'API_KEY_NOT_FOUND']);
    });

    it('imports the key file once: a key revoked through the API stays revoked when the file is imported again', async () => {
      const db = await openRegistry(location);
      dbs.push(db);
      const store = new ApiKeyStore(db);
      const fileKey = newApiKey('it@bank-file', ['participant:bank-file']);
      expect(await store.importFile([fileKey.entry])).toBe(1);
      expect(await store.importFile([fileKey.entry])).toBe(0);
      const [listed] = await store.list('bank-file');
      expect(listed).toMatchObject({ source: 'file', state: 'active' });
      await store.revoke('bank-file', listed?.keyId ?? '', 'otto@hub', 'moved to issued keys');
      await store.importFile([fileKey.entry]);
      expect(await store.activeByHash(fileKey.entry.hash)).toBeNull();
    });

    it('lets a participant start its own onboarding only where the policy allows it', async () => {
      const closed = await apiProcess();
      const open = await apiProcess({ selfStart: true });
      const key = (await closed.inject({ method: 'POST', url: '/participants/tpp-self/api-keys', headers: operator, payload: {} })).json()
        .secret.value as string;
      started.length = 0;
      const refused = await closed.inject({ method: 'POST', url: '/onboardings', headers: bearer(key), payload: startBody('tpp-self') });
      expect([refused.statusCode, refused.json().code]).toEqual([403, 'FORBIDDEN']);
      expect(
        (await open.inject({ method: 'POST', url: '/onboardings', headers: bearer(key), payload: startBody('tpp-other') })).statusCode,
      ).toBe(403);
      expect(started).toEqual([]);
      expect(
        (await open.inject({ method: 'POST', url: '/onboardings', headers: bearer(key), payload: startBody('tpp-self') })).statusCode,
      ).toBe(201);
      expect(started).toEqual(['tpp-self']);
    });
  });
});
