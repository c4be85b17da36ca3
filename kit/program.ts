/**
 * The participant kit: `npm run kit -- <command>` (or the `onboarding-kit` bin). For the
 * participant's engineers, talking only to the hub's public API with the participant's key; every
 * private key is made and kept in the kit's folder and never sent. Exit codes: 0 done, 2 the hub
 * refused (its findings printed), 1 an error.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import {
  environments,
  submissionNames,
  type Environment,
  type NextStep,
  type OnboardingProgress,
  type OnboardingStatus,
  type SubmissionName,
} from '../workflows/messages';
import { canonicalJson, holdsPrivateKey } from './crypto';
import { KitError, KitFolder, type KitSettings } from './folder';
import { clientCredentialsToken, fspiopCall, type Tls } from './fspiop';
import { HubApi, HubRefusal, PrivateKeyRefused } from './hub-api';
import { initFolder } from './init';
import { paths } from './layout';
import { installPack, latestPackVersion, unpack } from './pack';
import { keepIssuedCertificate, prepareSubmission, type IssuedCertificate, type SubmissionAnswer, type SubmitOptions } from './submissions';

export interface KitIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  out(text: string): void;
  err(text: string): void;
  fetch: typeof fetch;
}

interface Globals {
  dir: string;
  json: boolean;
}

/** A command's result: words for people, data for `--json`. */
interface Result {
  human: string;
  data: unknown;
}

const environmentOption = () =>
  new Option('-e, --environment <environment>', 'sandbox or production').choices([...environments]).default('sandbox');
const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

function findingsText(problem: HubRefusal['problem']): string {
  const report = (problem.context?.report ?? null) as { findings?: { code: string; result: string; message: string }[] } | null;
  const lines = [`refused: ${problem.code ?? ''} ${problem.detail ?? problem.title ?? ''}`.trim()];
  for (const f of report?.findings ?? []) {
    if (f.result === 'fail' || f.result === 'warn') lines.push(`  ${f.result === 'fail' ? '✗' : '!'} ${f.code}: ${f.message}`);
  }
  if (report?.findings?.length) lines.push('fix what is marked and run the same command again');
  const open = problem.context?.open;
  if (Array.isArray(open) && open.length > 0)
    lines.push(`open now: ${open.map((o) => (typeof o === 'string' ? o : JSON.stringify(o))).join(', ')}`);
  return lines.join('\n');
}

function nextText(next: NextStep[], status: OnboardingProgress | null): string {
  if (status === null) return 'the hub has not reported this onboarding yet; try again in a moment';
  if (status.state === 'live' && next.length === 0) return `${status.participantId} is live`;
  const lines: string[] = [];
  if (next.length > 0) {
    lines.push('The hub awaits from you:');
    for (const n of next) {
      lines.push(`- ${n.instanceId}: ${n.what}`);
      // The last attempt's refusal stays with the wait until the next attempt: what to fix is said here too.
      const refusal = status.awaiting.find((a) => a.instanceId === n.instanceId)?.lastRefusal;
      if (refusal) {
        lines.push(`    attempt ${refusal.attempt} was refused (${refusal.at}):`);
        for (const f of refusal.findings) lines.push(`      ✗ ${f.code}: ${f.message}`);
      }
      lines.push(`    ${n.kit ?? n.route}`);
    }
  }
  const others = status.awaiting.filter((a) => a.role !== 'participant');
  if (others.length > 0) {
    lines.push(next.length > 0 ? 'Also waiting on the hub:' : 'Nothing awaits you now; waiting on the hub:');
    for (const a of others) lines.push(`- ${a.instanceId}: the ${a.role} team, since ${a.since}`);
  }
  if (lines.length === 0)
    lines.push(`nothing is open right now (${status.state}, ${status.step}); the hub is working — run kit next again shortly`);
  return lines.join('\n');
}

export function buildKit(io: KitIo, setExit: (code: number) => void): Command {
  const program = new Command('kit')
    .description("The participant's onboarding kit: keys made and kept here, everything else through the hub's API")
    .option('-d, --dir <folder>', "the kit's folder (keys, certificates, packs)", io.env.KIT_DIR ?? 'onboarding-kit')
    .option('--json', 'print machine-readable JSON', false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError();

  const globals = (): Globals => program.opts<Globals>();
  const folderOf = () => new KitFolder(path.resolve(io.cwd, globals().dir));
  const readFile = (file: string) => readFileSync(path.resolve(io.cwd, file), 'utf8');
  const retryForMs = Number(io.env.KIT_RETRY_SECONDS ?? '30') * 1000;
  const apiFor = (folder: KitFolder, settings: KitSettings) => new HubApi(settings.apiUrl, folder.apiKey(io.env), io.fetch, retryForMs);
  const statusOf = async (api: HubApi, settings: KitSettings) =>
    (await api.call<{ onboarding: OnboardingStatus | null; next: NextStep[] }>('GET', `/onboardings/${settings.participantId}`)).data;

  /** Runs a command body: prints its result (or the refusal) and sets the exit code. */
  const run =
    <A extends unknown[]>(body: (...args: A) => Promise<Result>) =>
    async (...args: A) => {
      try {
        const result = await body(...args);
        io.out(globals().json ? `${JSON.stringify(result.data, null, 2)}\n` : `${result.human}\n`);
        setExit(0);
      } catch (err) {
        if (err instanceof HubRefusal) {
          io.out(globals().json ? `${JSON.stringify({ refused: err.problem }, null, 2)}\n` : `${findingsText(err.problem)}\n`);
          setExit(2);
          return;
        }
        io.err(`${err instanceof Error ? err.message : String(err)}\n`);
        setExit(1);
      }
    };

  program
    .command('init')
    .description('set up the folder for your onboarding and make your keys, CSRs and CA (run again: makes only what is missing)')
    .requiredOption('--api <url>', "the hub's onboarding API, e.g. https://onboarding.hub.example")
    .requiredOption('--participant <id>', 'your participant id')
    .action(
      run(async (opts: { api: string; participant: string }) => {
        const folder = folderOf();
        const key = folder.apiKey(io.env);
        const api = new HubApi(opts.api.replace(/\/$/, ''), key, io.fetch, retryForMs);
        const { onboarding } = (await api.call<{ onboarding: OnboardingStatus | null }>('GET', `/onboardings/${opts.participant}`)).data;
        if (onboarding === null) throw new KitError('the hub has not reported this onboarding yet; run init again in a moment');
        const settings: KitSettings = {
          apiUrl: api.apiUrl,
          participantId: opts.participant,
          kind: onboarding.kind,
          legalName: onboarding.participant.legalName,
          country: onboarding.participant.country,
        };
        folder.saveSettings(settings);
        folder.write('secrets/api-key', `${key}\n`);
        const made = await initFolder(folder, settings, onboarding);
        return {
          human: [
            `${folder.dir}: ${settings.kind} ${settings.participantId} (${settings.legalName}, ${settings.country})`,
            ...made.map((f) => `  made ${path.relative(folder.dir, f)}`),
            'next: kit next',
          ].join('\n'),
          data: { settings, made: made.map((f) => path.relative(folder.dir, f)) },
        };
      }),
    );

  program
    .command('status')
    .description('where your onboarding stands: state, step, every open wait, the hub tasks')
    .action(
      run(async () => {
        const folder = folderOf();
        const settings = folder.settings();
        const { onboarding, next } = await statusOf(apiFor(folder, settings), settings);
        if (onboarding === null) return { human: 'the hub has not reported this onboarding yet', data: { onboarding, next } };
        const lines = [
          `${onboarding.participantId} (${onboarding.kind}): ${onboarding.state} in ${onboarding.environment}, step ${onboarding.step}`,
          ...onboarding.awaiting.map((a) => `  open ${a.instanceId} (${a.role}) since ${a.since}`),
          ...onboarding.tasks.map((t) => `  hub task ${t.id}: ${t.status}`),
        ];
        return { human: lines.join('\n'), data: { onboarding, next } };
      }),
    );

  program
    .command('next')
    .description('what the hub awaits from you, in words, with the command to run')
    .action(
      run(async () => {
        const folder = folderOf();
        const settings = folder.settings();
        const { onboarding, next } = await statusOf(apiFor(folder, settings), settings);
        return { human: nextText(next, onboarding), data: { next, awaiting: onboarding?.awaiting ?? [] } };
      }),
    );

  const submit = program
    .command('submit')
    .description('send a submission to its open instance (signed here where it needs a signature); prints the findings')
    .argument('<what>', `one of: ${submissionNames.join(', ')}`)
    .addOption(environmentOption())
    .option('--entries <list>', 'ip-allowlist: addresses and blocks, comma-separated', list)
    .option('--base <url>', 'endpoints: the https root of your FSPIOP callbacks (default: your first callback host)')
    .option('--file <callbacks.json>', 'endpoints: callback URLs by central-ledger type, as JSON')
    .option('--auth-method <method>', 'oauth-client: client_secret_basic (default) or tls_client_auth')
    .option('--tls-subject-dn <dn>', 'oauth-client: the certificate subject for tls_client_auth')
    .option('--summary <text>', 'uat-retest, contract-revision, go-live-readiness: what you fixed')
    .option('--document <url>', 'contract-revision: the https URL of the revised contract')
    .option('--label <text>', "contract-revision: the document's label")
    .option('--redirect-uri <url>', 'redirect-urls: an exact https redirect URI (repeat or comma-separate)', list)
    .option('--callback-url <url>', 'redirect-urls: a callback URL (repeat or comma-separate)', list)
    .option('--ca <file>', "authorization-service: your server's CA certificate (PEM)")
    .option('--hub-cannot-reach', 'authorization-service: the hub cannot reach your service; security checks it by hand')
    .option('--identifiers <list>', 'identifiers: the whole list, comma-separated', list)
    .action(
      run(async (what: string, opts: Record<string, unknown>) => {
        if (!(submissionNames as readonly string[]).includes(what))
          throw new KitError(`${what} is not a submission; one of: ${submissionNames.join(', ')}`);
        const name = what as SubmissionName;
        const folder = folderOf();
        const settings = folder.settings();
        const api = apiFor(folder, settings);
        const { onboarding } = await statusOf(api, settings);
        if (onboarding === null) throw new KitError('the hub has not reported this onboarding yet; try again in a moment');
        const options: SubmitOptions = {
          environment: opts.environment as Environment,
          ...(opts.entries ? { entries: opts.entries as string[] } : {}),
          ...(opts.base ? { base: String(opts.base) } : {}),
          ...(opts.file ? { callbacksFile: String(opts.file) } : {}),
          ...(opts.authMethod ? { authMethod: String(opts.authMethod) } : {}),
          ...(opts.tlsSubjectDn ? { tlsSubjectDn: String(opts.tlsSubjectDn) } : {}),
          ...(opts.summary ? { summary: String(opts.summary) } : {}),
          ...(opts.document ? { document: String(opts.document) } : {}),
          ...(opts.label ? { label: String(opts.label) } : {}),
          ...(opts.redirectUri ? { redirectUris: opts.redirectUri as string[] } : {}),
          ...(opts.callbackUrl ? { callbackUrls: opts.callbackUrl as string[] } : {}),
          ...(opts.ca ? { caFile: String(opts.ca) } : {}),
          ...(opts.hubCannotReach ? { hubCannotReach: true } : {}),
          ...(opts.identifiers ? { identifiers: opts.identifiers as string[] } : {}),
        };
        const prepared = await prepareSubmission(folder, onboarding, name, options, readFile);
        const answer = await api.call<SubmissionAnswer & { next: NextStep[]; report: unknown; progress: OnboardingProgress }>(
          'POST',
          `/onboardings/${settings.participantId}/submissions/${name}`,
          prepared.payload,
        );
        const kept = prepared.keep(answer.data).map((f) => path.relative(folder.dir, f));
        const shown: Record<string, unknown> = { ...answer.data };
        delete shown.secret;
        delete shown.secrets;
        return {
          human: [
            `${answer.data.submission.id}: ${answer.data.submission.status}`,
            ...kept.map((f) => `  kept ${f}`),
            nextText(answer.data.next, answer.data.progress),
          ].join('\n'),
          // Secrets the hub showed once went to the folder's secrets/, not to the terminal.
          data: { ...shown, kept },
        };
      }),
    );
  submit.addHelpText(
    'after',
    "\nPrivate keys never leave the folder: the kit signs challenges and the hub's CSR here and sends only public material.",
  );

  program
    .command('rotate')
    .description('rotate your JWS key: asks the hub for a new round, makes the new key here, proves it; both stay valid for the overlap')
    .argument('<what>', 'jws-key')
    .addOption(environmentOption())
    .requiredOption('--reason <text>', 'why (recorded by the hub)')
    .action(
      run(async (what: string, opts: { environment: Environment; reason: string }) => {
        if (what !== 'jws-key') throw new KitError(`rotate ${what}? only jws-key rotates on request`);
        const folder = folderOf();
        const settings = folder.settings();
        const api = apiFor(folder, settings);
        await api.call('POST', `/onboardings/${settings.participantId}/rounds`, {
          submission: 'jws-key',
          environment: opts.environment,
          reason: opts.reason,
        });
        const { onboarding } = await statusOf(api, settings);
        if (onboarding === null) throw new KitError('the hub has not reported this onboarding yet; try again in a moment');
        const prepared = await prepareSubmission(folder, onboarding, 'jws-key', { environment: opts.environment }, readFile);
        const answer = await api.call<SubmissionAnswer & { next: NextStep[]; progress: OnboardingProgress }>(
          'POST',
          `/onboardings/${settings.participantId}/submissions/jws-key`,
          prepared.payload,
        );
        const kept = prepared.keep(answer.data).map((f) => path.relative(folder.dir, f));
        const artifact = answer.data.submission.artifact as { kid: string; previousValidUntil?: string } | null;
        return {
          human: [
            `${answer.data.submission.id}: ${answer.data.submission.status} (kid ${artifact?.kid ?? '?'}; the previous key stays valid until ${artifact?.previousValidUntil ?? 'the overlap ends'})`,
            ...kept.map((f) => `  kept ${f}`),
            'your peers are told to fetch their packs again; switch your SDK to the new key (kit fetch pack) once they have',
          ].join('\n'),
          data: { submission: answer.data.submission, kept },
        };
      }),
    );

  program
    .command('fetch')
    .description(
      "download from the hub: ca (the hub CA chain), certificates (yours, as issued), pack (the connection pack, installed), jwt-key (a bank's)",
    )
    .argument('<what>', 'ca, certificates, pack or jwt-key')
    .addOption(environmentOption())
    .action(
      run(async (what: string, opts: { environment: Environment }) => {
        const folder = folderOf();
        const settings = folder.settings();
        const api = apiFor(folder, settings);
        const env = opts.environment;
        const p = paths(env);
        switch (what) {
          case 'ca': {
            const res = await api.call<Buffer>('GET', '/pki/ca', undefined, 'application/x-pem-file');
            const file = folder.write(paths.hubCa, res.raw.toString('utf8'));
            return { human: `kept ${path.relative(folder.dir, file)}`, data: { kept: [path.relative(folder.dir, file)] } };
          }
          case 'certificates': {
            const { onboarding } = await statusOf(api, settings);
            const kept: string[] = [];
            for (const i of onboarding?.instances ?? []) {
              if (i.type !== 'submission' || i.name !== 'client-csr' || i.status !== 'accepted' || i.environment !== env) continue;
              kept.push(...keepIssuedCertificate(folder, env, i.artifact as IssuedCertificate));
            }
            const server = await api.call('GET', '/pki/hub-server-certificate', undefined, 'application/x-pem-file').catch(() => null);
            if (server) kept.push(folder.write(paths.hubServerCert, server.raw.toString('utf8')));
            const rel = kept.map((f) => path.relative(folder.dir, f));
            return {
              human: rel.length ? rel.map((f) => `kept ${f}`).join('\n') : `no certificate issued in ${env} yet`,
              data: { kept: rel },
            };
          }
          case 'pack': {
            const res = await api.call<Buffer>(
              'GET',
              `/onboardings/${settings.participantId}/connection-pack?environment=${env}`,
              undefined,
              'application/gzip',
            );
            const version = Number(res.headers.get('x-connection-pack-version'));
            const files = await unpack(res.raw);
            const secret = folder.has(p.oauthSecret) ? folder.read(p.oauthSecret).trim() : '';
            if (secret === '')
              throw new KitError(`no OAuth client secret in ${p.oauthSecret}: run kit submit oauth-client --environment ${env} first`);
            const dir = installPack(folder, p.pack(version), files, {
              OUT_CLIENT_KEY_PATH: path.join(folder.dir, p.clientKey),
              IN_SERVER_KEY_PATH: path.join(folder.dir, p.serverKey),
              JWS_SIGNING_KEY_PATH: path.join(folder.dir, p.jwsKey),
              OAUTH_CLIENT_SECRET: secret,
            });
            const described = JSON.parse(files['pack.json']?.toString('utf8') ?? '{}') as {
              changes?: { file: string; change: string; why: string }[];
            };
            return {
              human: [
                `pack v${version} installed in ${dir}`,
                ...(described.changes ?? []).map((c) => `  ${c.change} ${c.file}: ${c.why}`),
                `run your SDK from that folder (its .env is complete)`,
              ].join('\n'),
              data: { version, dir, changes: described.changes ?? [] },
            };
          }
          case 'jwt-key': {
            const res = await api.call<{ kid: string; publicKeyPem: string; jwk: unknown }>(
              'GET',
              `/onboardings/${settings.participantId}/jwt-key?environment=${env}`,
            );
            const file = folder.write(p.jwtKey, res.data.publicKeyPem);
            folder.write(`public/${env}/hub-jwt-key.jwk.json`, `${JSON.stringify(res.data.jwk, null, 2)}\n`);
            return {
              human: `kept ${path.relative(folder.dir, file)} (kid ${res.data.kid}): install it in your authorization service`,
              data: res.data,
            };
          }
          default:
            throw new KitError(`fetch ${what}? one of: ca, certificates, pack, jwt-key`);
        }
      }),
    );

  /** The latest installed pack of the environment: the gateway, token endpoint and client id it names. */
  const packSettings = (folder: KitFolder, env: Environment) => {
    const version = latestPackVersion(folder, env);
    if (version === null) throw new KitError(`no connection pack installed for ${env}: run kit fetch pack --environment ${env}`);
    return JSON.parse(folder.read(`${paths(env).pack(version)}/pack.json`)) as { gateway: string; tokenEndpoint: string; clientId: string };
  };
  const tlsOf = (folder: KitFolder, env: Environment): Tls => {
    const p = paths(env);
    if (!folder.has(paths.hubCa)) throw new KitError('no hub CA chain here: run kit fetch ca');
    // The client certificate with the chain that issued it: the hub CA's (a hub-signed CSR) or the participant's own CA (a TPP's evaluated certificate).
    const issuer = folder.has(p.hubChain) ? folder.read(p.hubChain) : folder.read(paths.caCert);
    return { ca: folder.read(paths.hubCa), cert: folder.read(p.clientCert) + issuer, key: folder.read(p.clientKey) };
  };
  const tokenFor = async (folder: KitFolder, env: Environment, endpoint?: string) => {
    const pack = endpoint ? null : packSettings(folder, env);
    const client = JSON.parse(folder.read(paths(env).oauthClient)) as { clientId: string; scopes: string[] };
    const secret = folder.has(paths(env).oauthSecret) ? folder.read(paths(env).oauthSecret).trim() : null;
    return clientCredentialsToken(endpoint ?? pack?.tokenEndpoint ?? '', { clientId: client.clientId, secret }, tlsOf(folder, env));
  };

  program
    .command('token')
    .description("an access token from the hub's authorization server (client credentials, over mTLS)")
    .addOption(environmentOption())
    .option('--token-endpoint <url>', 'default: the one in your latest connection pack')
    .action(
      run(async (opts: { environment: Environment; tokenEndpoint?: string }) => {
        const token = await tokenFor(folderOf(), opts.environment, opts.tokenEndpoint);
        return { human: token.access_token, data: token };
      }),
    );

  program
    .command('call')
    .description(
      "a signed FSPIOP request through the hub's edge, with a fresh token (e.g. call PUT /parties/MSISDN/123 --body @party.json)",
    )
    .argument('<method>', 'GET, POST or PUT')
    .argument('<path>', 'the FSPIOP path, e.g. /parties/MSISDN/221770000001')
    .addOption(environmentOption())
    .option('--body <json>', 'the request body as JSON, or @file')
    .option('--destination <fspId>', 'FSPIOP-Destination')
    .option('--gateway <host:port>', 'default: the one in your latest connection pack')
    .option('--token-endpoint <url>', 'default: the one in your latest connection pack')
    .action(
      run(
        async (
          method: string,
          fspiopPath: string,
          opts: { environment: Environment; body?: string; destination?: string; gateway?: string; tokenEndpoint?: string },
        ) => {
          const folder = folderOf();
          const settings = folder.settings();
          const env = opts.environment;
          const given = opts.body === undefined ? undefined : opts.body.startsWith('@') ? readFile(opts.body.slice(1)) : opts.body;
          if (given !== undefined && holdsPrivateKey(given)) throw new PrivateKeyRefused('the request body');
          // Mojaloop's validators check the signature over the body re-serialised with sorted keys
          // (safe-stable-stringify): the kit sends, and signs, exactly that form.
          const body = given === undefined ? undefined : canonicalJson(given);
          const token = await tokenFor(folder, env, opts.tokenEndpoint);
          const answer = await fspiopCall({
            gateway: opts.gateway ?? packSettings(folder, env).gateway,
            method,
            path: fspiopPath,
            source: settings.participantId,
            ...(opts.destination ? { destination: opts.destination } : {}),
            ...(body !== undefined ? { body } : {}),
            token: token.access_token,
            jwsKeyPem: folder.privateKey(paths(env).jwsKeyName),
            tls: tlsOf(folder, env),
          });
          if (answer.status >= 400) {
            throw new HubRefusal(answer.status, { code: `HTTP ${answer.status}`, detail: answer.body.slice(0, 1000) });
          }
          return { human: `${answer.status}${answer.body ? `\n${answer.body}` : ''}`, data: { status: answer.status, body: answer.body } };
        },
      ),
    );

  program
    .command('explain-keys')
    .description('why the kit never sends a private key, and where yours are')
    .action(
      run(async () => {
        const folder = folderOf();
        return {
          human: [
            'The kit refuses to send a private key, whatever the command: the hub needs only public material — a CSR, a',
            'certificate, a public key, a signature made here with the key. A key that left this machine must be treated as',
            'compromised, and the hub never asks for one.',
            `Yours are in ${path.join(folder.dir, 'private')} (0700, each file 0600); secrets the hub showed once are in ${path.join(folder.dir, 'secrets')}.`,
          ].join('\n'),
          data: { privateDir: path.join(folder.dir, 'private'), secretsDir: path.join(folder.dir, 'secrets') },
        };
      }),
    );

  return program;
}

/** Runs the kit with `argv` (without node and the script); resolves to the exit code. */
export async function runKit(argv: string[], io: KitIo): Promise<number> {
  let code = 0;
  const program = buildKit(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 1;
    throw err;
  }
  return code;
}
