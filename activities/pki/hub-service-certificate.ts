/**
 * TLS server certificates for the hub's own services (the gateway, the authorization server),
 * issued by the hub CA on first start and kept under DATA_DIR with the key readable by the owner
 * only; reissued when the hosts change or less than a fifth of the validity remains.
 */
import { generateKeyPair } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import ipaddr from 'ipaddr.js';
import { buildName, extensions, keyIdentifier, randomSerial } from './certificate-builder';
import type { CaSigner } from './local-hub-ca';
import { scanPem, toPem } from './pem';
import { oids, parseCertificate } from './x509-model';

export interface ServiceCertificateFiles {
  /** Leaf then the hub CA's issuing certificate (what a TLS server sends). */
  certFile: string;
  keyFile: string;
  /** The hub CA chain (issuing + root): what the service trusts for client certificates. */
  caFile: string;
}

const validityDays = 90;

async function current(files: ServiceCertificateFiles, hosts: string[], ca: CaSigner): Promise<boolean> {
  try {
    const block = scanPem(await readFile(files.certFile, 'utf8')).blocks.find((b) => b.label === 'CERTIFICATE');
    if (!block) return false;
    const cert = parseCertificate(block.der);
    const names = [...cert.ext.sanDns, ...cert.ext.sanIps].sort().join(',');
    const remaining = cert.notAfter.getTime() - Date.now();
    return (
      names === [...hosts].sort().join(',') &&
      remaining > (validityDays * 86_400_000) / 5 &&
      (await readFile(files.caFile, 'utf8')) === ca.chainPem()
    );
  } catch {
    return false;
  }
}

/** Ensures `dir` holds a current server certificate for `hosts` (DNS names and IPs). */
export async function ensureServiceCertificate(
  ca: CaSigner,
  dir: string,
  service: string,
  hosts: string[],
): Promise<ServiceCertificateFiles> {
  const files = {
    certFile: path.join(dir, `${service}.cert.pem`),
    keyFile: path.join(dir, `${service}.key.pem`),
    caFile: path.join(dir, 'hub-ca-chain.pem'),
  };
  if (await current(files, hosts, ca)) return files;
  await mkdir(dir, { recursive: true });
  const { publicKey, privateKey } = await promisify(generateKeyPair)('ec', { namedCurve: 'P-256' });
  const spkiDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  const now = Date.now();
  const issuerKeyId = ca.issuing.ext.subjectKeyId;
  const der = await ca.issue({
    subject: buildName({ CN: hosts[0] ?? service, O: service }),
    spkiDer,
    serial: randomSerial(),
    notBefore: new Date(Math.floor(now / 1000) * 1000 - 60_000),
    notAfter: new Date(Math.floor(now / 1000) * 1000 + validityDays * 86_400_000),
    extensions: [
      extensions.basicConstraints(false),
      extensions.keyUsage([0]),
      extensions.extKeyUsage([oids.serverAuth]),
      extensions.subjectKeyIdentifier(keyIdentifier(spkiDer)),
      ...(issuerKeyId ? [extensions.authorityKeyIdentifier(Buffer.from(issuerKeyId, 'hex'))] : []),
      extensions.subjectAltName(
        hosts.filter((h) => !ipaddr.isValid(h)),
        hosts.filter((h) => ipaddr.isValid(h)),
      ),
    ],
  });
  const write = async (file: string, text: string, mode: number) => {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, text, { mode });
    await rename(tmp, file);
  };
  await write(files.keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, 0o600);
  await write(files.certFile, toPem('CERTIFICATE', der) + toPem('CERTIFICATE', ca.issuing.der), 0o644);
  await write(files.caFile, ca.chainPem(), 0o644);
  return files;
}
