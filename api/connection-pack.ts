/**
 * A DFSP's connection pack: everything its Mojaloop SDK needs to reach the hub in one environment,
 * and nothing secret — the hub CA chain, its hub-issued client certificate, the hub's server
 * certificate, the CA that signed the hub's client certificate (what its inbound server trusts), its
 * own accepted server chain, the JWS verification keys of the hub and of every live peer as files
 * named by FSP id (what sdk-scheme-adapter's JWS_VERIFICATION_KEYS_DIRECTORY reads), the endpoints it
 * registered, the gateway, the token endpoint and client id, the hub's egress source addresses — and
 * an `.env` for sdk-scheme-adapter 18 whose only blanks are its private key paths and client
 * secret. As a gzipped tar.
 *
 * Versioned: each pack's files are recorded by SHA-256; when a peer's key, a certificate or the
 * hub's key changes, the next pack is a new version that says what changed.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import type { Kysely } from 'kysely';
import type { JwsKeyRecord } from '../activities/keys/participant-keys';
import type { HubClientCertificate } from '../activities/pki/hub-client-keys';
import type { RegistrySchema } from '../activities/registry/schema';
import { acceptedArtifact, type Environment, type OnboardingStatus } from '../workflows/messages';
import { hubKeyOwner } from '../activities/keys/hub-jws-key';
import { scanPem, toPem } from '../activities/pki/pem';
import { ApiError } from './errors';

export interface ConnectionPackSettings {
  /** host:port the participant's SDK connects to, per environment (PEER_ENDPOINT). */
  gateway: Record<Environment, string>;
  /** The OAuth token endpoint (https). */
  tokenEndpoint: string;
  /** The addresses the hub's calls to participants come from (their firewalls allow these). */
  egressAddresses: string[];
  /** The FSP id the hub signs as: its JWS key's file name in every pack. */
  hubFspId: string;
}

export interface ConnectionPackSources {
  caChainPem: () => Promise<string | null>;
  hubServerCertificatePem: () => Promise<string | null>;
  /** What `viewers` may see of the JWS key directory (the pack's participant: its peers' and the hub's keys). */
  jwsKeys: (viewers: string[], environment: Environment) => Promise<JwsKeyRecord[]>;
  hubClientCertificate: (participantId: string, environment: Environment) => Promise<HubClientCertificate | null>;
  versions: ConnectionPackVersions;
  settings: ConnectionPackSettings;
}

export interface PackChange {
  file: string;
  change: 'added' | 'changed' | 'removed';
  why: string;
}

export interface ConnectionPack {
  participantId: string;
  environment: Environment;
  version: number;
  createdAt: string;
  changes: PackChange[];
  /** File path in the archive → content. */
  files: Record<string, string>;
}

/** The certificates of a PEM text, each as its own PEM block. */
const pemBlocks = (pem: string) =>
  scanPem(pem)
    .blocks.filter((b) => b.label === 'CERTIFICATE')
    .map((b) => toPem('CERTIFICATE', b.der));

/** Why a file changed, in words a DFSP's engineer acts on. */
function reasonFor(file: string, hubFspId: string): string {
  const key = /^jws-keys\/(.+)\.pem$/.exec(file);
  if (key) return key[1] === hubFspId ? "the hub's JWS key" : `${key[1]}'s JWS key`;
  const reasons: Record<string, string> = {
    'tls/hub-ca.pem': 'the hub CA chain',
    'tls/client-certificate.pem': 'your hub-issued client certificate',
    'tls/hub-server-certificate.pem': "the hub's server certificate",
    'tls/hub-client-ca.pem': "the CA of the hub's client certificate",
    'tls/server-certificate.pem': 'your server certificate',
    'endpoints.json': 'your registered endpoints',
    '.env': 'the SDK settings',
  };
  return reasons[file] ?? file;
}

/** The sdk-scheme-adapter 18 settings: what the hub knows filled in, the participant's secrets left blank. */
function sdkEnv(input: {
  participantId: string;
  environment: Environment;
  version: number;
  settings: ConnectionPackSettings;
  clientId: string;
}): string {
  const { settings } = input;
  return [
    `# sdk-scheme-adapter 18 settings for ${input.participantId} in ${input.environment}, connection pack v${input.version}.`,
    '# Paths are relative to this folder (run the SDK from it). The blanks are yours alone: your private keys and your',
    '# client secret never reach the hub. Settings already in the environment win over this file.',
    `DFSP_ID=${input.participantId}`,
    `PEER_ENDPOINT=${settings.gateway[input.environment]}`,
    '# Outbound (you → hub): mTLS with your hub-issued certificate; the hub CA for the gateway and the token endpoint.',
    'OUTBOUND_MUTUAL_TLS_ENABLED=true',
    'OUT_CA_CERT_PATH=./tls/hub-ca.pem',
    'OUT_CLIENT_CERT_PATH=./tls/client-certificate.pem',
    'OUT_CLIENT_KEY_PATH=',
    '# Inbound (hub → you): your server certificate; only the hub’s client certificate (your CA signed it) gets in.',
    'INBOUND_MUTUAL_TLS_ENABLED=true',
    'IN_CA_CERT_PATH=./tls/hub-client-ca.pem',
    'IN_SERVER_CERT_PATH=./tls/server-certificate.pem',
    'IN_SERVER_KEY_PATH=',
    '# FSPIOP signatures: the edge refuses an unsigned request with a body, PUT /parties included.',
    'JWS_SIGN=true',
    'JWS_SIGN_PUT_PARTIES=true',
    'JWS_SIGNING_KEY_PATH=',
    'JWS_VERIFICATION_KEYS_DIRECTORY=./jws-keys',
    'VALIDATE_INBOUND_JWS=true',
    'VALIDATE_INBOUND_PUT_PARTIES_JWS=true',
    '# OAuth (client credentials) at the hub’s authorization server, over the same mTLS.',
    `OAUTH_TOKEN_ENDPOINT=${settings.tokenEndpoint}`,
    `OAUTH_CLIENT_KEY=${input.clientId}`,
    'OAUTH_CLIENT_SECRET=',
    '# Your own systems (not the hub’s): your core backend and the SDK’s Redis.',
    'BACKEND_ENDPOINT=localhost:3000',
    'CACHE_URL=redis://localhost:6379',
    `# The hub calls you from: ${settings.egressAddresses.join(', ')}`,
    '',
  ].join('\n');
}

/** The pack's files for the DFSP in the environment; refuses (409) while the onboarding lacks any of them. */
async function packFiles(
  status: OnboardingStatus,
  environment: Environment,
  sources: ConnectionPackSources,
): Promise<{ files: Record<string, string>; clientId: string }> {
  const participantId = status.participantId;
  if (status.kind !== 'dfsp')
    throw new ApiError('CONNECTION_PACK_NOT_READY', `${participantId} is a ${status.kind}: connection packs are for DFSPs`);
  const client = acceptedArtifact(status, 'client-csr', environment);
  const server = acceptedArtifact(status, 'server-certificate', environment);
  const endpoints = acceptedArtifact(status, 'endpoints', environment);
  const oauth = acceptedArtifact(status, 'oauth-client', environment);
  const jws = acceptedArtifact(status, 'jws-key', environment);
  const [caChain, hubServer, hubClient] = await Promise.all([
    sources.caChainPem(),
    sources.hubServerCertificatePem(),
    sources.hubClientCertificate(participantId, environment),
  ]);
  const missing = [
    client === null && 'client-csr (your hub-issued client certificate)',
    server === null && 'server-certificate',
    hubClient === null && "hub-client-certificate (the hub's client certificate, signed by your CA)",
    jws === null && 'jws-key',
    endpoints === null && 'endpoints',
    oauth === null && 'oauth-client',
    caChain === null && 'the hub CA (start the worker once)',
    hubServer === null && "the hub's server certificate (start the worker once)",
  ].filter((m): m is string => typeof m === 'string');
  if (missing.length > 0 || !client || !server || !endpoints || !oauth || !hubClient || caChain === null || hubServer === null) {
    throw new ApiError('CONNECTION_PACK_NOT_READY', `${participantId} has no accepted ${missing.join(', ')} in ${environment} yet`, {
      missing,
    });
  }
  const files: Record<string, string> = {
    'tls/hub-ca.pem': caChain,
    'tls/client-certificate.pem': [client.certificatePem, ...pemBlocks(client.chainPem).slice(0, -1)].join(''),
    'tls/hub-server-certificate.pem': hubServer,
    // What the DFSP's inbound server trusts for the hub's client certificate: the chain its CA gave, root included.
    'tls/hub-client-ca.pem': [
      ...pemBlocks(hubClient.certificatePem).slice(1),
      ...(hubClient.rootPem ? pemBlocks(hubClient.rootPem) : []),
    ].join(''),
    'tls/server-certificate.pem': server.chainPem ?? '',
    'endpoints.json': `${JSON.stringify(endpoints.endpoints, null, 2)}\n`,
  };
  // Every live peer's current key and the hub's (the newest of each: during a rotation's overlap the new one is the one to install).
  const current = new Map<string, JwsKeyRecord>();
  for (const key of await sources.jwsKeys([participantId], environment)) {
    if (key.participantId !== participantId) current.set(key.participantId, key);
  }
  for (const [owner, key] of [...current].sort(([a], [b]) => a.localeCompare(b))) {
    files[`jws-keys/${owner === hubKeyOwner ? sources.settings.hubFspId : owner}.pem`] = key.publicKeyPem;
  }
  return { files, clientId: oauth.clientId };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Builds the pack and settles its version: the same files as the newest version are that version; different files are the next. */
export async function buildConnectionPack(
  status: OnboardingStatus,
  environment: Environment,
  sources: ConnectionPackSources,
  now: Date = new Date(),
): Promise<ConnectionPack> {
  const { files, clientId } = await packFiles(status, environment, sources);
  const manifest = Object.fromEntries(Object.entries(files).map(([name, content]) => [name, sha256(content)]));
  const settled = await sources.versions.settle(
    status.participantId,
    environment,
    manifest,
    (file) => reasonFor(file, sources.settings.hubFspId),
    now,
  );
  const env = sdkEnv({ participantId: status.participantId, environment, version: settled.version, settings: sources.settings, clientId });
  const described = {
    participantId: status.participantId,
    environment,
    version: settled.version,
    createdAt: settled.createdAt,
    changes: settled.changes,
    gateway: sources.settings.gateway[environment],
    tokenEndpoint: sources.settings.tokenEndpoint,
    clientId,
    egressAddresses: sources.settings.egressAddresses,
    hubFspId: sources.settings.hubFspId,
    files: manifest,
  };
  return {
    participantId: status.participantId,
    environment,
    version: settled.version,
    createdAt: settled.createdAt,
    changes: settled.changes,
    files: { ...files, '.env': env, 'pack.json': `${JSON.stringify(described, null, 2)}\n` },
  };
}

/** The pack as a gzipped tar: every file under `<participantId>-<environment>-v<version>/`. */
export async function packArchive(pack: ConnectionPack): Promise<Buffer> {
  const root = `${pack.participantId}-${pack.environment}-v${pack.version}`;
  const archive = tarPack();
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    archive.on('end', () => resolve());
    archive.on('error', reject);
  });
  const mtime = new Date(pack.createdAt);
  for (const [name, content] of Object.entries(pack.files).sort(([a], [b]) => a.localeCompare(b))) {
    archive.entry({ name: `${root}/${name}`, mode: 0o644, mtime }, content);
  }
  archive.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** The versions of each participant's packs (registry table connection_packs). */
export class ConnectionPackVersions {
  constructor(private readonly db: Kysely<RegistrySchema>) {}

  async settle(
    participantId: string,
    environment: Environment,
    manifest: Record<string, string>,
    why: (file: string) => string,
    now: Date,
  ): Promise<{ version: number; createdAt: string; changes: PackChange[] }> {
    for (let attempt = 0; ; attempt++) {
      const latest = await this.db
        .selectFrom('connectionPacks')
        .selectAll()
        .where('participantId', '=', participantId)
        .where('environment', '=', environment)
        .orderBy('version', 'desc')
        .executeTakeFirst();
      const previous = latest ? (JSON.parse(latest.manifestJson) as Record<string, string>) : null;
      const changes: PackChange[] = previous === null ? [] : diff(previous, manifest, why);
      if (latest && changes.length === 0) {
        return { version: latest.version, createdAt: latest.createdAt, changes: JSON.parse(latest.changesJson) as PackChange[] };
      }
      const version = (latest?.version ?? 0) + 1;
      try {
        await this.db
          .insertInto('connectionPacks')
          .values({
            participantId,
            environment,
            version,
            manifestJson: JSON.stringify(manifest),
            changesJson: JSON.stringify(changes),
            createdAt: now.toISOString(),
          })
          .execute();
        return { version, createdAt: now.toISOString(), changes };
      } catch (err) {
        // Another request settled this version first: read it again.
        if (attempt >= 2) throw err;
      }
    }
  }

  async history(participantId: string, environment: Environment): Promise<{ version: number; createdAt: string; changes: PackChange[] }[]> {
    const rows = await this.db
      .selectFrom('connectionPacks')
      .select(['version', 'createdAt', 'changesJson'])
      .where('participantId', '=', participantId)
      .where('environment', '=', environment)
      .orderBy('version', 'asc')
      .execute();
    return rows.map((r) => ({ version: r.version, createdAt: r.createdAt, changes: JSON.parse(r.changesJson) as PackChange[] }));
  }
}

function diff(previous: Record<string, string>, next: Record<string, string>, why: (file: string) => string): PackChange[] {
  const changes: PackChange[] = [];
  for (const [file, hash] of Object.entries(next)) {
    if (previous[file] === undefined) changes.push({ file, change: 'added', why: why(file) });
    else if (previous[file] !== hash) changes.push({ file, change: 'changed', why: why(file) });
  }
  for (const file of Object.keys(previous)) if (next[file] === undefined) changes.push({ file, change: 'removed', why: why(file) });
  return changes.sort((a, b) => a.file.localeCompare(b.file));
}
