/**
 * How the kit answers each submission from its folder: which files it reads, what it signs
 * locally, what it keeps from the answer. A submission the hub refuses leaves the folder as it was.
 */
import type { AwaitedInput, Environment, OnboardingStatus, SubmissionInstance, SubmissionName } from '../workflows/messages';
import { challengeJws, challengeSignature, holdsPrivateKey, newPrivateKeyPem, oids, publicKeyPemOf, signCsr } from './crypto';
import { KitError, type KitFolder } from './folder';
import { PrivateKeyRefused } from './hub-api';
import { paths } from './layout';

export interface SubmitOptions {
  environment: Environment;
  entries?: string[];
  base?: string;
  callbacksFile?: string;
  authMethod?: string;
  tlsSubjectDn?: string;
  summary?: string;
  document?: string;
  label?: string;
  redirectUris?: string[];
  callbackUrls?: string[];
  caFile?: string;
  hubCannotReach?: boolean;
  identifiers?: string[];
}

/** The open instance of a submission in the environment, or a clear error naming what is open. */
export function openInstance(status: OnboardingStatus, name: SubmissionName, environment: Environment): SubmissionInstance {
  const open = status.instances.find(
    (i): i is SubmissionInstance => i.type === 'submission' && i.name === name && i.environment === environment && i.status === 'open',
  );
  if (open === undefined) {
    const waiting = status.awaiting.map((a: AwaitedInput) => a.instanceId).join(', ') || 'nothing';
    throw new KitError(`the hub does not await ${name} in ${environment} now (open: ${waiting}); kit next says what it awaits from you`);
  }
  return open;
}

/** The FSPIOP callback types central-ledger keeps for a DFSP, under one base URL (the SDK's inbound API root). */
export function fspiopCallbacks(base: string): Record<string, string> {
  const root = base.replace(/\/$/, '');
  return {
    FSPIOP_CALLBACK_URL_PARTIES_GET: `${root}/parties/{{partyIdType}}/{{partyIdentifier}}`,
    FSPIOP_CALLBACK_URL_PARTIES_PUT: `${root}/parties/{{partyIdType}}/{{partyIdentifier}}`,
    FSPIOP_CALLBACK_URL_PARTIES_PUT_ERROR: `${root}/parties/{{partyIdType}}/{{partyIdentifier}}/error`,
    FSPIOP_CALLBACK_URL_QUOTES: root,
    FSPIOP_CALLBACK_URL_TRANSFER_POST: `${root}/transfers`,
    FSPIOP_CALLBACK_URL_TRANSFER_PUT: `${root}/transfers/{{transferId}}`,
    FSPIOP_CALLBACK_URL_TRANSFER_ERROR: `${root}/transfers/{{transferId}}/error`,
  };
}

/** A file the participant names (its CA for the hub to trust): public material only. */
function publicFile(folder: KitFolder, file: string, read: (f: string) => string): string {
  const text = read(file);
  if (holdsPrivateKey(text)) throw new PrivateKeyRefused(file);
  return text;
}

/** What the hub CA issued for a client CSR: the certificate and the chain to trust it by. */
export interface IssuedCertificate {
  certificatePem: string;
  chainPem: string;
}

/** Keeps a hub-issued client certificate and its chain in the folder (a submission's answer, or `fetch certificates`). */
export function keepIssuedCertificate(folder: KitFolder, environment: Environment, issued: IssuedCertificate): string[] {
  const p = paths(environment);
  return [folder.write(p.clientCert, issued.certificatePem), folder.write(p.hubChain, issued.chainPem)];
}

export interface Prepared {
  payload: Record<string, unknown>;
  /** What to keep from an accepted answer (certificates, secrets shown once). */
  keep(answer: SubmissionAnswer): string[];
}

export interface SubmissionAnswer {
  submission: SubmissionInstance;
  secret?: { value: string };
  secrets?: Record<string, { value: string }>;
}

/** The payload for `name` in `environment`, from the folder and the open instance. */
export async function prepareSubmission(
  folder: KitFolder,
  status: OnboardingStatus,
  name: SubmissionName,
  options: SubmitOptions,
  readFile: (file: string) => string,
): Promise<Prepared> {
  const env = options.environment;
  const p = paths(env);
  const nothingToKeep = () => [];
  const base = { environment: env };
  switch (name) {
    case 'client-csr':
      return {
        payload: { ...base, csrPem: folder.read(p.clientCsr) },
        keep: (answer) => keepIssuedCertificate(folder, env, answer.submission.artifact as IssuedCertificate),
      };
    case 'server-certificate':
      return { payload: { ...base, pem: folder.read(p.serverCert) + folder.read(paths.caCert) }, keep: nothingToKeep };
    case 'hub-client-certificate': {
      const csr = String(openInstance(status, name, env).provided?.csrPem ?? '');
      if (csr === '') throw new KitError(`the hub has not published its CSR for ${env} yet; run kit next again in a moment`);
      // The hub's CSR is signed here, with your CA's key, on your machine.
      const certificate = await signCsr({ keyPem: folder.privateKey(paths.caKeyName), certPem: folder.read(paths.caCert) }, csr, [
        oids.clientAuth,
      ]);
      return {
        payload: { ...base, pem: certificate + folder.read(paths.caCert) },
        keep: () => [folder.write(p.hubClientCert, certificate)],
      };
    }
    case 'jws-key': {
      const open = openInstance(status, name, env);
      const challenge = String(open.provided?.challenge ?? '');
      // Round 1 proves the key `init` made; a later round (a rotation) proves a new key, made here now.
      const rotating = open.round > 1;
      const keyFile = rotating ? p.jwsNextKey : p.jwsKey;
      if (rotating && !folder.has(keyFile)) folder.write(keyFile, await newPrivateKeyPem());
      const keyPem = folder.read(keyFile);
      return {
        payload: { ...base, keyPem: publicKeyPemOf(keyPem), challengeJws: await challengeJws(keyPem, challenge) },
        keep: () => {
          if (!rotating) return [];
          // Accepted: the new key is the one to sign with; the replaced one stays beside it for the overlap.
          const previous = folder.write(p.jwsPreviousKey, folder.read(p.jwsKey));
          const current = folder.write(p.jwsKey, keyPem);
          folder.remove(keyFile);
          return [current, previous];
        },
      };
    }
    case 'certificate-bundle': {
      const challenge = String(openInstance(status, name, env).provided?.challenge ?? '');
      return {
        payload: {
          ...base,
          pem: folder.read(p.clientCert) + folder.read(paths.caCert),
          challengeSignature: challengeSignature(folder.privateKey(p.clientKeyName), challenge),
        },
        keep: nothingToKeep,
      };
    }
    case 'endpoints': {
      let callbacks: Record<string, string>;
      if (options.callbacksFile) callbacks = JSON.parse(readFile(options.callbacksFile)) as Record<string, string>;
      else {
        const host = status.data.kind === 'dfsp' ? status.data.registration.callbackHosts[env][0] : undefined;
        const root = options.base ?? (host ? `https://${host}` : undefined);
        if (root === undefined)
          throw new KitError('say where your callbacks are: --base https://<host>[/prefix] or --file <callbacks.json>');
        callbacks = fspiopCallbacks(root);
      }
      return { payload: { ...base, callbacks }, keep: nothingToKeep };
    }
    case 'ip-allowlist':
      if (!options.entries?.length)
        throw new KitError('--entries <address or block, …> is required (the full list your systems connect from)');
      return { payload: { ...base, entries: options.entries }, keep: nothingToKeep };
    case 'oauth-client':
      return {
        payload: {
          ...base,
          ...(options.authMethod ? { authMethod: options.authMethod } : {}),
          ...(options.tlsSubjectDn ? { tlsSubjectDn: options.tlsSubjectDn } : {}),
        },
        keep: (answer) => {
          const artifact = answer.submission.artifact as { clientId: string; authMethod: string; scopes: string[] };
          const kept = [folder.write(p.oauthClient, `${JSON.stringify({ ...artifact, secretPickup: undefined }, null, 2)}\n`)];
          // The secret is shown once, in this answer: it stays in the folder's secrets/.
          if (answer.secret) kept.push(folder.write(p.oauthSecret, `${answer.secret.value}\n`));
          return kept;
        },
      };
    case 'connectivity':
      return { payload: base, keep: nothingToKeep };
    case 'uat-retest':
    case 'go-live-readiness':
      if (!options.summary) throw new KitError('--summary <what you fixed> is required');
      return { payload: { ...base, summary: options.summary }, keep: nothingToKeep };
    case 'contract-revision':
      if (!options.summary || !options.document)
        throw new KitError('--summary <text> and --document <https URL of the revised contract> are required');
      return {
        payload: { ...base, summary: options.summary, document: { label: options.label ?? 'revised contract', url: options.document } },
        keep: nothingToKeep,
      };
    case 'redirect-urls':
      if (!options.redirectUris?.length) throw new KitError('--redirect-uri <https URL> is required (repeat it for several)');
      return {
        payload: {
          ...base,
          redirectUris: options.redirectUris,
          ...(options.callbackUrls?.length ? { callbackUrls: options.callbackUrls } : {}),
        },
        keep: nothingToKeep,
      };
    case 'authorization-service':
      return {
        payload: {
          ...base,
          ...(options.caFile ? { caPem: publicFile(folder, options.caFile, readFile) } : {}),
          ...(options.hubCannotReach ? { hubCannotReach: true } : {}),
        },
        keep: nothingToKeep,
      };
    case 'officer-credentials':
      return {
        payload: base,
        keep: (answer) => {
          const secrets = Object.fromEntries(Object.entries(answer.secrets ?? {}).map(([user, s]) => [user, s.value]));
          return [folder.write(p.technicalUsers, `${JSON.stringify({ artifact: answer.submission.artifact, secrets }, null, 2)}\n`)];
        },
      };
    case 'identifiers':
      if (!options.identifiers?.length) throw new KitError('--identifiers <a,b,…> is required (the whole list)');
      return { payload: { ...base, identifiers: options.identifiers }, keep: nothingToKeep };
  }
}
