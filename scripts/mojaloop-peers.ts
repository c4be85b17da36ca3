/**
 * `npm run peers:install`: the Mojaloop peers the hub is proven against, pinned, each in its own
 * git-ignored folder under `.tools/` (never in package.json): the Testing Toolkit (the sandbox
 * switch and UAT runner) and sdk-scheme-adapter (a real DFSP), with Redis from Debian for the SDK.
 * A second run with everything in place does nothing.
 *
 * Pins that install on Node 20 here (issue 23): ml-testing-toolkit 18.19.2 needs its shared lib
 * held at 14.3.0 (14.3.3 is not served); sdk-scheme-adapter 18.0.2 takes @grpc/grpc-js for the
 * native grpc it would otherwise compile for minutes.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const toolsDir = path.resolve(__dirname, '..', '.tools');

interface Peer {
  name: string;
  dir: string;
  packageName: string;
  version: string;
  overrides: Record<string, string>;
}

export const mojaloopPeers: readonly Peer[] = [
  {
    name: 'Mojaloop Testing Toolkit',
    dir: path.join(toolsDir, 'ml-testing-toolkit'),
    packageName: 'ml-testing-toolkit',
    version: '18.19.2',
    overrides: { '@mojaloop/ml-testing-toolkit-shared-lib': '14.3.0' },
  },
  {
    name: 'Mojaloop SDK (sdk-scheme-adapter)',
    dir: path.join(toolsDir, 'sdk-scheme-adapter'),
    packageName: '@mojaloop/sdk-scheme-adapter',
    version: '18.0.2',
    overrides: { grpc: 'npm:@grpc/grpc-js@1.9.15' },
  },
];

export class PeerInstallError extends Error {
  readonly code = 'PEER_INSTALL_FAILED';
}

function installedVersion(peer: Peer): string | null {
  const file = path.join(peer.dir, 'node_modules', ...peer.packageName.split('/'), 'package.json');
  if (!existsSync(file)) return null;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? null;
}

const redisServer = () => ['/usr/bin/redis-server', '/usr/sbin/redis-server'].find((p) => existsSync(p)) ?? null;

/** Installs what is missing or at another version. */
export function ensurePeersInstalled(log: (line: string) => void = () => {}): void {
  if (redisServer() === null) {
    throw new PeerInstallError(
      'Redis is not installed: `apt-get install redis-server` (Debian; the SDK keeps its state in it), then run `npm run peers:install` again.',
    );
  }
  for (const peer of mojaloopPeers) {
    if (installedVersion(peer) === peer.version) continue;
    log(`Installing ${peer.packageName} ${peer.version} into ${peer.dir}…`);
    mkdirSync(peer.dir, { recursive: true });
    writeFileSync(
      path.join(peer.dir, 'package.json'),
      `${JSON.stringify({ name: `${path.basename(peer.dir)}-runtime`, private: true, dependencies: { [peer.packageName]: peer.version }, overrides: peer.overrides }, null, 2)}\n`,
    );
    try {
      execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: peer.dir,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    } catch (err) {
      throw new PeerInstallError(`npm install of ${peer.packageName} ${peer.version} failed: ${(err as Error).message}`);
    }
    if (installedVersion(peer) !== peer.version)
      throw new PeerInstallError(`npm install finished but ${peer.packageName} ${peer.version} is not in ${peer.dir}`);
  }
  log(`${mojaloopPeers.map((p) => `${p.packageName} ${p.version}`).join(', ')} and Redis ready`);
}

if (require.main === module) {
  try {
    ensurePeersInstalled((line) => process.stdout.write(`${line}\n`));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}
