/**
 * Mailpit, the local SMTP server with a web inbox: built from source (pinned in temporal-dev.yaml)
 * and started by `npm start` and the tests. `npm run mailpit:install` builds it:
 *   1. `go mod download` the pinned module (Go module proxy);
 *   2. copy the module source out of the read-only module cache, `npm ci && npm run build` its web
 *      UI (without this step the binary serves a blank inbox page);
 *   3. `go build` with the release's version flag.
 * The built binary is kept per version in ~/.cache/onboarding-orchestrator (like the ledger), so
 * a fresh clone on the same machine copies it instead of building again. Never a prebuilt download.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DevConfig, loadDevConfig, resolveFromRoot } from './temporal-dev-config';

type MailpitConfig = DevConfig['mailpit'];

export class MailpitInstallError extends Error {
  readonly code = 'MAILPIT_INSTALL_FAILED';
}

export function mailpitBinaryPath(config: MailpitConfig): string {
  return path.join(resolveFromRoot(config.installDir), 'mailpit');
}

/** "mailpit v1.27.11 compiled with go1.24 on linux/amd64" → "1.27.11". */
export function installedMailpitVersion(binary: string): string | null {
  if (!existsSync(binary)) return null;
  const run = spawnSync(binary, ['version', '--no-release-check'], { encoding: 'utf8', timeout: 15_000 });
  return /v(\d+\.\d+\.\d+)/.exec(run.stdout ?? '')?.[1] ?? null;
}

function cachedBinary(config: MailpitConfig): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'onboarding-orchestrator', `mailpit-${config.version}`, 'mailpit');
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): string {
  try {
    return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    throw new MailpitInstallError(`${command} ${args.join(' ')} failed in ${cwd}: ${(err as Error).message}`);
  }
}

function build(config: MailpitConfig, target: string, log: (line: string) => void): void {
  if (spawnSync('go', ['version']).status !== 0)
    throw new MailpitInstallError('Go is not on PATH: Mailpit is built from source (`apt-get install golang-go`).');
  const module = `${config.module}@v${config.version}`;
  log(`Building Mailpit ${config.version} from source (go mod download ${module}, its web UI with npm, go build): about 2 minutes…`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'mailpit-build-'));
  try {
    // `go mod download` needs a module context to run from; an empty one will do.
    run('go', ['mod', 'init', 'mailpit-build'], scratch);
    const downloaded = JSON.parse(run('go', ['mod', 'download', '-json', module], scratch)) as { Dir?: string; Error?: string };
    if (!downloaded.Dir) throw new MailpitInstallError(`go mod download ${module}: ${downloaded.Error ?? 'no directory'}`);
    const source = path.join(scratch, 'src');
    run('cp', ['-r', downloaded.Dir, source], scratch);
    run('chmod', ['-R', 'u+w', source], scratch);
    run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error'], source);
    run('npm', ['run', 'build'], source);
    if (!existsSync(path.join(source, 'server', 'ui', 'dist', 'app.js')))
      throw new MailpitInstallError('the Mailpit web UI build produced no server/ui/dist/app.js');
    mkdirSync(path.dirname(target), { recursive: true });
    run('go', ['build', '-ldflags', `-s -w -X ${config.versionVariable}=v${config.version}`, '-o', target, '.'], source, {
      ...process.env,
      CGO_ENABLED: '0',
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The pinned Mailpit at `<installDir>/mailpit`: reused, copied from the cache, or built. */
export function ensureMailpit(config: MailpitConfig, log: (line: string) => void = () => {}): string {
  const binary = mailpitBinaryPath(config);
  if (installedMailpitVersion(binary) === config.version) return binary;
  const cached = cachedBinary(config);
  if (installedMailpitVersion(cached) !== config.version) build(config, cached, log);
  if (installedMailpitVersion(cached) !== config.version)
    throw new MailpitInstallError(`the built ${cached} does not report version ${config.version}`);
  mkdirSync(path.dirname(binary), { recursive: true });
  copyFileSync(cached, binary);
  spawnSync('chmod', ['755', binary]);
  log(`Mailpit ${config.version} ready at ${binary}`);
  return binary;
}

export interface RunningMailpit {
  smtpUrl: string;
  /** The web inbox and its API (`/api/v1/messages`). */
  httpUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts Mailpit on loopback ports; resolves once its API answers. `dbFile` null: in memory. */
export async function startMailpit(
  binary: string,
  options: { ip: string; smtpPort: number; uiPort: number; dbFile: string | null; ignoreDuplicateIds?: boolean },
  timeoutMs = 20_000,
): Promise<RunningMailpit> {
  if (options.dbFile) mkdirSync(path.dirname(options.dbFile), { recursive: true });
  const args = [
    '--smtp',
    `${options.ip}:${options.smtpPort}`,
    '--listen',
    `${options.ip}:${options.uiPort}`,
    '--disable-version-check',
    '--smtp-disable-rdns',
    ...(options.dbFile ? ['--database', options.dbFile] : []),
    // The hub resends a message it cannot prove was taken with its Message-ID unchanged: shown once.
    ...(options.ignoreDuplicateIds ? ['--ignore-duplicate-ids'] : []),
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const httpUrl = `http://${options.ip}:${options.uiPort}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`mailpit exited (${child.exitCode}): ${output.join('').slice(-2000)}`);
    const ok = await fetch(`${httpUrl}/api/v1/info`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { smtpUrl: `smtp://${options.ip}:${options.smtpPort}`, httpUrl, process: child, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`mailpit did not answer within ${timeoutMs} ms: ${output.join('').slice(-2000)}`);
}

if (require.main === module) {
  const [command = 'install'] = process.argv.slice(2);
  const config = loadDevConfig().mailpit;
  try {
    const binary = ensureMailpit(config, (line) => process.stderr.write(`${line}\n`));
    if (command === 'install') {
      process.stdout.write(`${binary}\n`);
    } else if (command === 'dev') {
      void startMailpit(binary, { ...config, dbFile: config.dbFile ? resolveFromRoot(config.dbFile) : null }).then((m) => {
        process.stdout.write(`Mailpit: SMTP ${m.smtpUrl}, inbox ${m.httpUrl}\n`);
        process.once('SIGINT', () => void m.stop().then(() => process.exit(0)));
        process.once('SIGTERM', () => void m.stop().then(() => process.exit(0)));
      });
    } else {
      throw new Error(`unknown command ${command}: install | dev`);
    }
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
