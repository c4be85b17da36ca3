/**
 * Test inputs made by the openssl CLI, a tool no one here wrote: keys, CSRs and certificates of
 * every shape the PKI rules judge. Generated per test file into a temporary folder.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Issued {
  cert: string;
  key: string;
  /** Paths, for handing to openssl or Node's tls. */
  certFile: string;
  keyFile: string;
}

export class OpenSsl {
  readonly dir: string;
  private serial = 1000;

  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), 'pki-openssl-'));
  }

  run(args: string[], input?: string): string {
    return execFileSync('openssl', args, { cwd: this.dir, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  read(name: string): string {
    return readFileSync(this.file(name), 'utf8');
  }

  write(name: string, text: string): string {
    writeFileSync(this.file(name), text);
    return this.file(name);
  }

  writeBytes(name: string, bytes: Uint8Array): string {
    writeFileSync(this.file(name), bytes);
    return this.file(name);
  }

  /** `rsa:2048`, `rsa:1024`, `ec:P-256`, … */
  key(name: string, spec: string): string {
    const [type, size] = spec.split(':');
    const args =
      type === 'ec'
        ? ['genpkey', '-algorithm', 'EC', '-pkeyopt', `ec_paramgen_curve:${size}`, '-out', this.file(name)]
        : ['genpkey', '-algorithm', 'RSA', '-pkeyopt', `rsa_keygen_bits:${size}`, '-out', this.file(name)];
    this.run(args);
    return this.file(name);
  }

  csr(name: string, keyFile: string, subject: string, addext: string[] = [], digest = 'sha256'): string {
    const args = ['req', '-new', '-key', keyFile, '-subj', subject, `-${digest}`, '-out', this.file(name)];
    for (const ext of addext) args.push('-addext', ext);
    this.run(args);
    return this.read(name);
  }

  /** A self-signed certificate (root CA by default). */
  selfSigned(
    name: string,
    keySpec: string,
    subject: string,
    ext: string[] = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign'],
    days = 3650,
  ): Issued {
    const keyFile = this.key(`${name}.key`, keySpec);
    const args = [
      'req',
      '-x509',
      '-new',
      '-key',
      keyFile,
      '-subj',
      subject,
      '-sha256',
      '-days',
      String(days),
      '-out',
      this.file(`${name}.pem`),
    ];
    for (const e of ext) args.push('-addext', e);
    this.run(args);
    return { cert: this.read(`${name}.pem`), key: this.read(`${name}.key`), certFile: this.file(`${name}.pem`), keyFile };
  }

  /** A certificate signed by `issuer`, with extensions from an extfile section. */
  signed(
    name: string,
    issuer: Issued,
    opts: { keySpec?: string; keyFile?: string; subject: string; ext: string[]; days?: number; digest?: string; serial?: string },
  ): Issued {
    const keyFile = opts.keyFile ?? this.key(`${name}.key`, opts.keySpec ?? 'rsa:2048');
    const csrFile = this.file(`${name}.csr`);
    this.run(['req', '-new', '-key', keyFile, '-subj', opts.subject, '-out', csrFile]);
    const extFile = this.write(`${name}.ext`, `[v3]\n${opts.ext.join('\n')}\n`);
    this.run([
      'x509',
      '-req',
      '-in',
      csrFile,
      '-CA',
      issuer.certFile,
      '-CAkey',
      issuer.keyFile,
      '-set_serial',
      opts.serial ?? String(this.serial++),
      '-days',
      String(opts.days ?? 365),
      `-${opts.digest ?? 'sha256'}`,
      '-extfile',
      extFile,
      '-extensions',
      'v3',
      '-out',
      this.file(`${name}.pem`),
    ]);
    return { cert: this.read(`${name}.pem`), key: readFileSync(keyFile, 'utf8'), certFile: this.file(`${name}.pem`), keyFile };
  }

  /** Signs someone else's CSR (PEM) as `issuer`, the way a participant's CA signs the hub's CSR. */
  signCsr(name: string, issuer: Issued, csrPem: string, ext: string[], days = 365): string {
    const csrFile = this.write(`${name}.csr`, csrPem);
    const extFile = this.write(`${name}.ext`, `[v3]\n${ext.join('\n')}\n`);
    this.run([
      'x509',
      '-req',
      '-in',
      csrFile,
      '-CA',
      issuer.certFile,
      '-CAkey',
      issuer.keyFile,
      '-set_serial',
      String(this.serial++),
      '-days',
      String(days),
      '-sha256',
      '-extfile',
      extFile,
      '-extensions',
      'v3',
      '-out',
      this.file(`${name}.pem`),
    ]);
    return this.read(`${name}.pem`);
  }

  /**
   * A certificate with explicit validity dates (YYYYMMDDHHMMSSZ), through `openssl ca`, the one
   * openssl 3.0 command that takes start and end dates.
   */
  signedWithDates(name: string, issuer: Issued, subject: string, startdate: string, enddate: string, ext: string[]): Issued {
    const keyFile = this.key(`${name}.key`, 'rsa:2048');
    const csrFile = this.file(`${name}.csr`);
    this.run(['req', '-new', '-key', keyFile, '-subj', subject, '-out', csrFile]);
    const caDir = mkdtempSync(path.join(this.dir, 'ca-'));
    writeFileSync(path.join(caDir, 'index.txt'), '');
    writeFileSync(path.join(caDir, 'serial'), `${(this.serial++).toString(16).padStart(4, '0')}\n`);
    const config = this.write(
      `${name}.cnf`,
      [
        '[ca]',
        'default_ca = testca',
        '[testca]',
        `dir = ${caDir}`,
        'database = $dir/index.txt',
        'new_certs_dir = $dir',
        'serial = $dir/serial',
        'default_md = sha256',
        'policy = anything',
        'unique_subject = no',
        'copy_extensions = none',
        '[anything]',
        'commonName = supplied',
        'organizationName = optional',
        'countryName = optional',
        '[v3]',
        ...ext,
        '',
      ].join('\n'),
    );
    this.run([
      'ca',
      '-batch',
      '-config',
      config,
      '-in',
      csrFile,
      '-cert',
      issuer.certFile,
      '-keyfile',
      issuer.keyFile,
      '-startdate',
      startdate,
      '-enddate',
      enddate,
      '-extensions',
      'v3',
      '-notext',
      '-out',
      this.file(`${name}.pem`),
    ]);
    return { cert: this.read(`${name}.pem`), key: this.read(`${name}.key`), certFile: this.file(`${name}.pem`), keyFile };
  }

  /** Signs `data` with the key as a participant would: `openssl dgst -sha256 -sign`. */
  signChallenge(keyFile: string, data: string): Uint8Array {
    const dataFile = this.write(`challenge-${this.serial++}.txt`, data);
    const sigFile = `${dataFile}.sig`;
    this.run(['dgst', '-sha256', '-sign', keyFile, '-out', sigFile, dataFile]);
    return new Uint8Array(readFileSync(sigFile));
  }

  /** `openssl verify`: true when the certificate chains to the root through the intermediate. */
  verify(rootFile: string, untrustedFile: string, certFile: string): { ok: boolean; output: string } {
    try {
      return { ok: true, output: this.run(['verify', '-CAfile', rootFile, '-untrusted', untrustedFile, certFile]) };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
    }
  }
}

export const clientExt = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=clientAuth',
];
export const serverExt = (san: string) => [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
  `subjectAltName=${san}`,
];
export const caExt = [
  'basicConstraints=critical,CA:TRUE',
  'keyUsage=critical,keyCertSign,cRLSign',
  'subjectKeyIdentifier=hash',
  'authorityKeyIdentifier=keyid',
];
