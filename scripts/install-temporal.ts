/**
 * Makes the pinned Temporal CLI available at `<cli.installDir>/temporal`.
 * Reuses the cached binary when `temporal --version` reports the pinned version; otherwise builds
 * it from source with `go install` (Go module proxy). Never downloads a prebuilt binary.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { DevConfig, loadDevConfig, resolveFromRoot, temporalBinaryPath } from './temporal-dev-config';

export class TemporalCliInstallError extends Error {
  readonly code = 'TEMPORAL_CLI_INSTALL_FAILED';
}

/** The version a `temporal --version` line reports, e.g. "temporal version 1.5.1 (Server 1.29.1, UI 2.42.1)". */
export function parseCliVersion(output: string): string | null {
  const match = /temporal version (\d+\.\d+\.\d+)/.exec(output);
  return match?.[1] ?? null;
}

export function installedCliVersion(binary: string): string | null {
  if (!existsSync(binary)) return null;
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 15_000 });
  if (run.status !== 0) return null;
  return parseCliVersion(run.stdout);
}

export function ensureTemporalCli(config: DevConfig, log: (line: string) => void = () => {}): string {
  const binary = temporalBinaryPath(config);
  const pinned = config.cli.version;
  const found = installedCliVersion(binary);
  if (found === pinned) return binary;

  const goCheck = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (goCheck.error || goCheck.status !== 0) {
    throw new TemporalCliInstallError(
      `The Temporal CLI ${pinned} is not built yet and Go was not found on PATH. ` +
        'Install Go (https://go.dev/doc/install or `apt-get install golang`) and run `npm run temporal:install` again.',
    );
  }
  const installDir = resolveFromRoot(config.cli.installDir);
  mkdirSync(installDir, { recursive: true });
  const target = `${config.cli.module}@v${pinned}`;
  log(
    found === null
      ? `Building the Temporal CLI ${pinned} (go install ${target}); the first build takes a few minutes…`
      : `Cached Temporal CLI is ${found}, pinned is ${pinned}: rebuilding (go install ${target})…`,
  );
  try {
    // The release build's flags: without -X the binary reports version 0.0.0-DEV.
    const ldflags = `-s -w -X ${config.cli.versionVariable}=${pinned}`;
    execFileSync('go', ['install', '-ldflags', ldflags, target], {
      env: { ...process.env, GOBIN: installDir, CGO_ENABLED: '0' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch (err) {
    throw new TemporalCliInstallError(
      `go install ${target} failed (${(err as Error).message}). ` +
        'Check that the Go module proxy is reachable (GOPROXY) and that Go is recent enough for the CLI.',
    );
  }
  const built = installedCliVersion(binary);
  if (built !== pinned) {
    throw new TemporalCliInstallError(
      `go install ${target} finished but ${binary} reports version ${built ?? 'nothing'}, expected ${pinned}.`,
    );
  }
  log(`Temporal CLI ${pinned} ready at ${binary}`);
  return binary;
}

if (require.main === module) {
  try {
    const binary = ensureTemporalCli(loadDevConfig(), (line) => process.stderr.write(`${line}\n`));
    process.stdout.write(`${binary}\n`);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
