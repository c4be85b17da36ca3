/**
 * A throw-away PostgreSQL server for the tests and benches (`REGISTRY_URL=postgres://…`): Debian's
 * PostgreSQL 15 binaries, a cluster made with `initdb` in a folder of the caller's, started on a
 * loopback port, trust authentication for one superuser. `initdb` and `postgres` refuse to run as
 * root, so as root both run as the `postgres` user the Debian package creates (spawned with its uid
 * and gid, as `runuser -u postgres` would, but with signals going straight to the server), and the
 * folder is handed to that user. A production hub points REGISTRY_URL at its own managed server.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';

export class PostgresSetupError extends Error {
  readonly code = 'POSTGRES_SETUP_FAILED';
}

const SUPERUSER = 'hub';

/** The newest PostgreSQL bin folder under /usr/lib/postgresql (POSTGRES_BIN overrides). */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.POSTGRES_BIN) return env.POSTGRES_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined)
    throw new PostgresSetupError(
      'PostgreSQL is not installed: `apt-get install postgresql-15` (Debian), or set POSTGRES_BIN to its bin folder',
    );
  return path.join(root, newest, 'bin');
}

export interface RunningPostgres {
  port: number;
  /** A URL for one database of this server (`postgres` is there from the start). */
  url(database?: string): string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function asServerUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new PostgresSetupError('running as root, PostgreSQL needs the `postgres` user (created by Debian’s postgresql package)');
  }
}

/** initdb (once per folder) and start the server on 127.0.0.1:`port`; resolves when it accepts connections. */
export async function startPostgres(dir: string, port: number, log: (line: string) => void = () => undefined): Promise<RunningPostgres> {
  const bin = postgresBinDir();
  const user = asServerUser();
  const data = path.join(dir, 'data');
  const sockets = path.join(dir, 'sockets');
  mkdirSync(sockets, { recursive: true });
  if (user !== null) {
    chownSync(dir, user.uid, user.gid);
    chownSync(sockets, user.uid, user.gid);
  }
  if (!existsSync(path.join(data, 'PG_VERSION'))) {
    try {
      execFileSync(path.join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'], {
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
        ...(user ?? {}),
      });
    } catch (error) {
      const stderr = (error as { stderr?: string }).stderr ?? '';
      throw new PostgresSetupError(`initdb failed in ${data}: ${stderr.trim() || (error as Error).message}`);
    }
  }
  const args = ['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${sockets}`];
  // A test server: durability off (fsync), room for many processes' pools.
  args.push('-c', 'fsync=off', '-c', 'max_connections=300');
  const child = spawn(path.join(bin, 'postgres'), args, { stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}) });
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
  const url = (database = 'postgres') => `postgres://${SUPERUSER}@127.0.0.1:${port}/${database}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new PostgresSetupError(`postgres exited: ${output.join('').trim()}`);
    const client = new pg.Client({ connectionString: url() });
    try {
      await client.connect();
      await client.query('select 1');
      await client.end();
      break;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new PostgresSetupError(`postgres did not accept connections on 127.0.0.1:${port} within 30 s: ${output.join('').trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  log(`PostgreSQL ${path.basename(path.dirname(bin))} on 127.0.0.1:${port} (data ${data})`);
  return { port, url, child, stop: () => stopPostgres(child) };
}

/** SIGINT: PostgreSQL's "fast" shutdown (ends its clients' sessions); SIGKILL if it lingers 10 s. */
async function stopPostgres(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Creates an empty database on the server (a fresh registry per test file). */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z][a-z0-9_]{0,62}$/.test(name)) throw new PostgresSetupError(`not a database name: ${name}`);
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
