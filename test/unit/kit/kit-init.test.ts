/**
 * `kit init` on the participant's machine: a DFSP's folder holds every key (0600 under a 0700
 * private/), certificates for the registered hosts, and a second run makes only what is missing —
 * except a server certificate for hosts the registration no longer names, made again.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KitFolder, type KitSettings } from '../../../kit/folder';
import { initFolder } from '../../../kit/init';
import type { OnboardingStatus } from '../../../workflows/messages';

const settings: KitSettings = {
  apiUrl: 'http://127.0.0.1:3000',
  participantId: 'dfsp-init',
  kind: 'dfsp',
  legalName: 'Init Bank',
  country: 'SN',
};
const statusWith = (sandbox: string[]) =>
  ({
    participantId: 'dfsp-init',
    kind: 'dfsp',
    data: { kind: 'dfsp', registration: { callbackHosts: { sandbox, production: ['93.184.216.34'] } } },
  }) as unknown as OnboardingStatus;

describe('kit init', () => {
  it('makes every key and certificate once, with the subjects and names the hub checks', async () => {
    const folder = new KitFolder(mkdtempSync(path.join(tmpdir(), 'kit-init-')));
    const made = (await initFolder(folder, settings, statusWith(['api.init.example']))).map((f) => path.relative(folder.dir, f));
    expect(made.sort()).toEqual(
      [
        'private/ca.key',
        'public/ca.cert.pem',
        ...['sandbox', 'production'].flatMap((e) => [
          `private/${e}/client.key`,
          `public/${e}/client.csr.pem`,
          `private/${e}/server.key`,
          `public/${e}/server.cert.pem`,
          `private/${e}/jws.key`,
        ]),
      ].sort(),
    );
    expect(statSync(path.join(folder.dir, 'private')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(folder.dir, 'private', 'sandbox', 'jws.key')).mode & 0o777).toBe(0o600);
    const production = new X509Certificate(readFileSync(path.join(folder.dir, 'public', 'production', 'server.cert.pem')));
    expect(production.subject.split('\n')).toEqual(['C=SN', 'O=Init Bank', 'CN=93.184.216.34']);
    expect(production.subjectAltName).toBe('IP Address:93.184.216.34');
    expect(production.checkIssued(new X509Certificate(readFileSync(path.join(folder.dir, 'public', 'ca.cert.pem'))))).toBe(true);
    // A second run keeps everything.
    expect(await initFolder(folder, settings, statusWith(['api.init.example']))).toEqual([]);
  });

  it('makes the server certificate again when the registered hosts changed, keeping its key', async () => {
    const folder = new KitFolder(mkdtempSync(path.join(tmpdir(), 'kit-init-')));
    await initFolder(folder, settings, statusWith(['api.init.example']));
    const key = folder.read('private/sandbox/server.key');
    const made = (await initFolder(folder, settings, statusWith(['api.init.example', 'api2.init.example']))).map((f) =>
      path.relative(folder.dir, f),
    );
    expect(made).toEqual(['public/sandbox/server.cert.pem']);
    expect(new X509Certificate(folder.read('public/sandbox/server.cert.pem')).subjectAltName).toBe(
      'DNS:api.init.example, DNS:api2.init.example',
    );
    expect(folder.read('private/sandbox/server.key')).toBe(key);
  });
});
