/**
 * `kit init`: the folder, and every key the participant's journey needs, made here: its own CA,
 * per environment the TLS client key and CSR (or a client certificate from its CA), the server
 * certificate for its registered callback hosts, the JWS key. Subjects follow the hub's rules
 * (O = the legal name, C = the country, CN = the participant id or a declared host; an IP host is
 * an IP SAN). Run again, it keeps what exists and makes only what is missing.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { environments, type Environment, type OnboardingStatus } from '../workflows/messages';
import { csrPem, issueLeaf, newPrivateKeyPem, oids, selfSignedCa } from './crypto';
import type { KitFolder, KitSettings } from './folder';
import { paths } from './layout';

/** What an environment's callback hosts are as names: DNS names and IP addresses apart. */
function sansOf(hosts: string[]): { dns: string[]; ips: string[] } {
  return { dns: hosts.filter((h) => isIP(h) === 0), ips: hosts.filter((h) => isIP(h) !== 0) };
}

/** Whether a certificate's subjectAltName is exactly these hosts. */
function namesHosts(certPem: string, hosts: string[]): boolean {
  const names = (new X509Certificate(certPem).subjectAltName ?? '')
    .split(', ')
    .map((n) => n.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean)
    .sort();
  return JSON.stringify(names) === JSON.stringify([...hosts].sort());
}

export async function initFolder(folder: KitFolder, settings: KitSettings, status: OnboardingStatus): Promise<string[]> {
  const made: string[] = [];
  const subject = { C: settings.country, O: settings.legalName };
  const ensureKey = async (relative: string) => {
    if (!folder.has(relative)) made.push(folder.write(relative, await newPrivateKeyPem()));
    return folder.read(relative);
  };
  const ensure = async (relative: string, make: () => Promise<string>) => {
    if (!folder.has(relative)) made.push(folder.write(relative, await make()));
  };
  if (settings.kind === 'bank') return made; // a bank's keys are its authorization service's own; nothing to make here

  const caKey = await ensureKey(paths.caKey);
  await ensure(paths.caCert, () => selfSignedCa(caKey, { ...subject, CN: `${settings.legalName} Root CA` }));
  const ca = { keyPem: caKey, certPem: folder.read(paths.caCert) };
  const leafSubject = { ...subject, CN: settings.participantId };

  for (const env of environments) {
    const p = paths(env);
    const clientKey = await ensureKey(p.clientKey);
    if (settings.kind === 'dfsp') {
      await ensure(p.clientCsr, () => csrPem(clientKey, { subject: leafSubject, purposes: [oids.clientAuth] }));
      const hosts = status.data.kind === 'dfsp' ? status.data.registration.callbackHosts[env] : [];
      const serverKey = await ensureKey(p.serverKey);
      if (hosts.length > 0) {
        const issue = () => issueLeaf(ca, serverKey, { ...subject, CN: hosts[0] as string }, [oids.serverAuth], sansOf(hosts));
        // A server certificate made for other hosts (the registration changed since) is made again for the registered ones.
        if (folder.has(p.serverCert) && !namesHosts(folder.read(p.serverCert), hosts)) made.push(folder.write(p.serverCert, await issue()));
        await ensure(p.serverCert, issue);
      }
      await ensureKey(p.jwsKey);
    } else {
      // A TPP: sandbox evaluates a certificate from its own CA; production is a CSR the hub CA signs, unless it chose its own CA.
      const hubSigned = status.data.kind === 'tpp' && (status.data.application.productionCertificate ?? 'hub-signed') === 'hub-signed';
      if (env === 'production' && hubSigned) {
        await ensure(p.clientCsr, () => csrPem(clientKey, { subject: leafSubject, purposes: [oids.clientAuth] }));
      } else {
        await ensure(p.clientCert, () => issueLeaf(ca, clientKey, leafSubject, [oids.clientAuth]));
      }
    }
  }
  return made;
}

export type { Environment };
