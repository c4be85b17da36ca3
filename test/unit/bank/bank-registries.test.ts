import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { importJWK, jwtVerify } from 'jose';
import { SecretPickups } from '../../../activities/credentials/secret-pickup';
import { BankTechnicalUsers } from '../../../activities/credentials/technical-users';
import { DomainError } from '../../../activities/domain-error';
import { HubJwtKeys } from '../../../activities/keys/hub-jwt-keys';
import { RegistryProcessingCenter } from '../../../activities/processing/processing-center';
import { openRegistry, type RegistryDb } from '../../../activities/registry/database';
import { OpenSsl } from '../../support/openssl';
import { registryBackends } from '../../support/postgres';

const dir = mkdtempSync(path.join(tmpdir(), 'bank-registries-'));
describe.each(registryBackends)('bank registries (registry on $name)', (backend) => {
  let db: RegistryDb;
  const ssl = new OpenSsl();

  beforeAll(async () => {
    db = await openRegistry(await backend.location('bank-registries'));
  });
  afterAll(async () => db.destroy());

  describe('hub JWT keys', () => {
    it('makes one live key per environment however many ask at once, encrypted at rest, and signs JWTs that verify with the published JWK and with openssl', async () => {
      const keys = new HubJwtKeys(db, Buffer.alloc(32, 3));
      const made = await Promise.all([keys.live('sandbox'), keys.live('sandbox'), keys.live('sandbox')]);
      expect(new Set(made.map((k) => k.kid)).size).toBe(1);
      const production = await keys.live('production');
      expect(production.kid).not.toBe(made[0]!.kid);
      const row = await db.selectFrom('hubJwtKeys').select('encryptedKeyPem').where('kid', '=', made[0]!.kid).executeTakeFirstOrThrow();
      expect(row.encryptedKeyPem).toContain('BEGIN ENCRYPTED PRIVATE KEY');

      const { jwt, kid } = await keys.signTestJwt({
        environment: 'sandbox',
        audience: 'https://auth.bank.example/check',
        subject: 'bank-a',
        jti: 'wk-1',
        issuer: 'Test Hub',
      });
      expect(kid).toBe(made[0]!.kid);
      const verified = await jwtVerify(jwt, await importJWK(made[0]!.jwk, 'ES256'), {
        audience: 'https://auth.bank.example/check',
        issuer: 'Test Hub',
        subject: 'bank-a',
      });
      expect(verified.payload).toMatchObject({ jti: 'wk-1', purpose: 'onboarding-check' });
      await expect(jwtVerify(jwt, await importJWK(production.jwk, 'ES256'))).rejects.toThrow();
      // openssl checks the same ES256 signature (JOSE's r||s turned into DER) with the published PEM.
      const [header, payload, signature] = jwt.split('.') as [string, string, string];
      const raw = Buffer.from(signature, 'base64url');
      const int = (b: Buffer) => {
        const trimmed = b.subarray(b.findIndex((x) => x !== 0));
        const v = trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed;
        return Buffer.concat([Buffer.from([0x02, v.length]), v]);
      };
      const body = Buffer.concat([int(raw.subarray(0, 32)), int(raw.subarray(32))]);
      const der = Buffer.concat([Buffer.from([0x30, body.length]), body]);
      const out = ssl.run([
        'dgst',
        '-sha256',
        '-verify',
        ssl.write('jwt-pub.pem', made[0]!.publicKeyPem),
        '-signature',
        ssl.writeBytes('jwt.sig', der),
        ssl.write('jwt-input.txt', `${header}.${payload}`),
      ]);
      expect(out).toContain('Verified OK');
    });

    it('rotates: the next key is live, the previous one stays published after it', async () => {
      const keys = new HubJwtKeys(db, Buffer.alloc(32, 3));
      const before = await keys.live('sandbox');
      const next = await keys.rotate('sandbox');
      expect(next.kid).not.toBe(before.kid);
      expect((await keys.live('sandbox')).kid).toBe(next.kid);
      const published = await keys.published('sandbox');
      expect(published.map((k) => [k.kid, k.retiredAt === null])).toEqual([
        [next.kid, true],
        [before.kid, false],
      ]);
    });
  });

  describe('bank technical users', () => {
    it('makes both users once per write key, a retry hands out the same pickups, a new request replaces both secrets', async () => {
      const pickups = new SecretPickups(db, path.join(dir, 'pickup.key'));
      const users = new BankTechnicalUsers(db, pickups);
      const first = await users.issue({ participantId: 'bank-a', environment: 'sandbox', writeKey: 'wk-a' });
      expect(first.map((u) => u.username)).toEqual(['bank-a.identification.sandbox', 'bank-a.processing.sandbox']);
      const retry = await users.issue({ participantId: 'bank-a', environment: 'sandbox', writeKey: 'wk-a' });
      expect(retry.map((u) => u.secretPickup)).toEqual(first.map((u) => u.secretPickup));
      const secret = (await pickups.redeem(first[0]!.secretPickup as string)) as string;
      expect(await users.verify('bank-a.identification.sandbox', secret)).toBe(true);
      // Picked up: a retry of the same request has nothing more to hand out.
      expect((await users.issue({ participantId: 'bank-a', environment: 'sandbox', writeKey: 'wk-a' }))[0]!.secretPickup).toBeNull();
      const replaced = await users.issue({ participantId: 'bank-a', environment: 'sandbox', writeKey: 'wk-b' });
      expect(replaced[0]!.rotatedAt).not.toBeNull();
      expect(await users.verify('bank-a.identification.sandbox', secret)).toBe(false);
      expect(
        await users.verify('bank-a.identification.sandbox', (await pickups.redeem(replaced[0]!.secretPickup as string)) as string),
      ).toBe(true);
      expect(await users.revoke('bank-a', 'sandbox')).toBe(2);
      const rows = await db.selectFrom('bankTechnicalUsers').select('secretHash').execute();
      expect(rows.every((r) => r.secretHash.startsWith('scrypt$'))).toBe(true);
    });
  });

  describe('the embedded processing centre', () => {
    const spec = { participantId: 'bank-a', environment: 'sandbox' as const, alias: 'banka', legalName: 'Bank A', assetCode: 'UAH' };

    it('sets a counterparty up idempotently: the same counterparty, employee and entities on every repeat', async () => {
      const center = new RegistryProcessingCenter(db);
      const first = await center.registerCounterparty(spec);
      const again = await center.registerCounterparty(spec);
      expect(again).toEqual({ counterpartyId: first.counterpartyId, created: false });
      expect(first.created).toBe(true);
      await center.setSystemUrls(first.counterpartyId, {
        api: 'https://api-banka-sandbox',
        backoffice: 'https://backoffice-banka-sandbox',
        authorization: 'https://auth.banka.example',
      });
      const employee = await center.createEmployee(first.counterpartyId, 'First@BankA.example', 'admin');
      expect((await center.createEmployee(first.counterpartyId, 'first@banka.example', 'admin')).employeeId).toBe(employee.employeeId);
      expect(await center.createEntities(first.counterpartyId)).toEqual(await center.createEntities(first.counterpartyId));
      const view = await center.counterparty('bank-a', 'sandbox');
      expect(view).toMatchObject({ alias: 'banka', assetCode: 'UAH', employees: [{ email: 'first@banka.example' }], identifiers: [] });
      expect(view?.entities.map((e) => e.type)).toEqual(['identification', 'processing']);
    });

    it("refuses another bank's alias and another bank's identifier, and replaces a bank's identifiers with the list it sends", async () => {
      const center = new RegistryProcessingCenter(db);
      const err = await center.registerCounterparty({ ...spec, participantId: 'bank-b' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ code: 'PROCESSING_REFUSED', retryable: false });

      const a = (await center.registerCounterparty(spec)).counterpartyId;
      const b = (await center.registerCounterparty({ ...spec, participantId: 'bank-b', alias: 'bankb' })).counterpartyId;
      await center.createEntities(b);
      expect((await center.registerIdentifiers(a, ['W-2', 'W-1'])).identifiers).toEqual(['W-1', 'W-2']);
      const taken = await center.registerIdentifiers(b, ['W-1', 'W-9']);
      expect(taken.blocking).toBe(true);
      expect(taken.findings.find((f) => f.code === 'IDENTIFIERS_AVAILABLE')).toMatchObject({ result: 'fail', detail: { taken: ['W-1'] } });
      expect((await center.registerIdentifiers(a, ['W-2', 'W-3'])).identifiers).toEqual(['W-2', 'W-3']);
      expect((await center.counterparty('bank-a', 'sandbox'))?.identifiers).toEqual(['W-2', 'W-3']);
      // W-1 was withdrawn from bank A: bank B may have it now.
      expect((await center.registerIdentifiers(b, ['W-1'])).blocking).toBe(false);
      for (const bad of [[], ['has space'], ['dup', 'dup']])
        expect((await center.registerIdentifiers(a, bad)).findings[0]).toMatchObject({ code: 'IDENTIFIERS_VALID', result: 'fail' });
      // The same bank holds its identifiers in production too: another environment's processing centre.
      const aProduction = (await center.registerCounterparty({ ...spec, environment: 'production' })).counterpartyId;
      await center.createEntities(aProduction);
      expect((await center.registerIdentifiers(aProduction, ['W-2', 'W-3'])).blocking).toBe(false);
    });
  });
});
