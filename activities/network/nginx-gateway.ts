/**
 * The Gateway's embedded adapter: nginx (Debian nginx-light). One server per environment with
 * mutual TLS against the hub CA; the client certificate's serial names the participant (a map),
 * each participant has its own internal location with `allow`/`deny` rules, and the content
 * handler behind it is `proxy_pass` — to the configured upstream, or to a small built-in echo
 * server (a `return` in the participant's location would run before `allow`/`deny` and bypass them).
 * Each change renders a new revision, `nginx -t` checks it, then it replaces the live file and
 * nginx reloads; a revision nginx refuses leaves the running configuration untouched.
 */
import { execFile, spawn, ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Mutex } from 'async-mutex';
import { environments, participantIdPattern } from '../../workflows/vocabulary';
import type { Environment } from '../../workflows/vocabulary';
import type { ServiceCertificateFiles } from '../pki/hub-service-certificate';
import type { Gateway, GatewayApplied, GatewayState } from './gateway';

const run = promisify(execFile);

export interface NginxGatewayOptions {
  /** Absolute folder for nginx.conf, revisions, logs, temp files and the pid file (`-p`). */
  prefix: string;
  binary: string;
  /** host:port of each environment's mTLS server. */
  listen: Record<Environment, string>;
  /** host:port of the built-in echo server (also serves the revision marker to the adapter). */
  echoListen: string;
  /** `http://host:port` behind each environment; null: the echo server. */
  upstream: Record<Environment, string | null>;
  /**
   * The edge's verifying hop (edge/verifier/): when set, every admitted request goes to it with the
   * presented certificate and the gateway's key, and it forwards to the upstream once the token and
   * (for DFSPs) the FSPIOP rules pass. Null: straight to the upstream (mTLS and allowlist only).
   */
  verifier?: { listen: string; key: string } | null;
  tls: ServiceCertificateFiles;
  /** How long to wait for a reload to serve the new revision. */
  reloadTimeoutMs?: number;
}

const hostPort = /^[A-Za-z0-9.[\]:-]+:\d{1,5}$/;
const sha1Pattern = /^[0-9a-f]{40}$/;
const cidrPattern = /^[0-9a-f.:]+\/\d{1,3}$/;

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Whether a process with this pid exists (signal 0). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether nginx is on this machine (its binary exists): without it the gateway is off and nothing listens for participants. */
export function nginxInstalled(binary: string): boolean {
  return existsSync(binary);
}

/** The master's worker processes (Linux /proc); empty when unknown. */
function workersOf(masterPid: number | null): number[] {
  if (masterPid === null) return [];
  try {
    return readFileSync(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * The nginx processes holding files under `prefix/logs/` open: this gateway's own, whatever became
 * of their master (a worker orphaned by a killed master keeps the ports and serves the old revision).
 */
export async function nginxProcessesOf(prefix: string): Promise<number[]> {
  const logs = `${path.join(prefix, 'logs')}${path.sep}`;
  const found: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.startsWith('nginx')) continue;
    const fds = await readdir(`/proc/${entry}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${entry}/fd/${fd}`).catch(() => '');
      if (target.startsWith(logs)) {
        found.push(Number(entry));
        break;
      }
    }
  }
  return found;
}

export class NginxGateway implements Gateway {
  private readonly lock = new Mutex();

  constructor(private readonly opts: NginxGatewayOptions) {
    for (const [what, value] of [...Object.entries(opts.listen), ['echo', opts.echoListen]] as const) {
      if (!hostPort.test(value)) throw new TypeError(`gateway listen address for ${what} must be host:port, got ${value}`);
    }
  }

  get configFile(): string {
    return path.join(this.opts.prefix, 'nginx.conf');
  }

  /** The whole configuration for a state; the revision marker is filled in with the content's hash. */
  render(state: GatewayState, reason: string): { text: string; sha256: string } {
    const p = (...parts: string[]) => path.join(this.opts.prefix, ...parts);
    const servers = environments.map((environment) => this.renderEnvironment(environment, state[environment])).join('\n');
    const body = `# Rendered by the onboarding hub: do not edit, every change is a new revision.
# reason: ${reason.replace(/[^\x20-\x7e]/g, '?')}
worker_processes 1;
# A revoked participant's open keep-alive connections end within this after a reload.
worker_shutdown_timeout 10s;
pid ${p('run', 'nginx.pid')};
error_log ${p('logs', 'error.log')} warn;
events { worker_connections 512; }
http {
  access_log ${p('logs', 'access.log')};
  client_body_temp_path ${p('tmp', 'body')};
  proxy_temp_path ${p('tmp', 'proxy')};
  fastcgi_temp_path ${p('tmp', 'fastcgi')};
  uwsgi_temp_path ${p('tmp', 'uwsgi')};
  scgi_temp_path ${p('tmp', 'scgi')};
  server_tokens off;
  ssl_protocols TLSv1.2 TLSv1.3;

  # The hub's own answer when no upstream is configured, and the revision marker the hub reads.
  server {
    listen ${this.opts.echoListen};
    location = /.gateway-revision { default_type text/plain; return 200 "@REVISION@"; }
    location / {
      default_type application/json;
      return 200 '{"participant":"$http_x_participant_id","environment":"$http_x_hub_environment","serial":"$http_x_client_serial","path":"$uri"}';
    }
  }
${this.verifierUpstream()}${servers}}
`;
    const sha256 = createHash('sha256').update(body).digest('hex');
    return { text: body.replace('@REVISION@', sha256), sha256 };
  }

  /** Kept-alive connections to the edge's verifying hop (no TCP set-up per request). */
  private verifierUpstream(): string {
    const verifier = this.opts.verifier ?? null;
    return verifier === null ? '' : `\n  upstream edge_verifier {\n    server ${verifier.listen};\n    keepalive 64;\n  }\n`;
  }

  private renderEnvironment(environment: Environment, participants: GatewayState[Environment]): string {
    const variable = `$participant_${environment}`;
    const verifier = this.opts.verifier ?? null;
    if (verifier !== null && (!hostPort.test(verifier.listen) || !/^[A-Za-z0-9_-]{16,}$/.test(verifier.key))) {
      throw new TypeError('the verifier needs host:port and a base64url key');
    }
    const upstream = verifier !== null ? 'http://edge_verifier' : (this.opts.upstream[environment] ?? `http://${this.opts.echoListen}`);
    const handOn =
      verifier !== null
        ? `\n      proxy_set_header X-Client-Cert $ssl_client_escaped_cert;\n      proxy_set_header X-Edge-Key ${verifier.key};\n      proxy_http_version 1.1;\n      proxy_set_header Connection "";`
        : '';
    const mapLines: string[] = [];
    const locations: string[] = [];
    for (const participant of [...participants].sort((a, b) => a.participantId.localeCompare(b.participantId))) {
      const id = participant.participantId;
      if (!participantIdPattern.test(id))
        throw new TypeError(`participant id ${JSON.stringify(id)} cannot go into a gateway configuration`);
      for (const pin of participant.certificates) {
        if (!sha1Pattern.test(pin.sha1)) throw new TypeError(`certificate fingerprint ${pin.sha1} is not SHA-1 hex`);
        mapLines.push(`    "${pin.sha1}" "${id}";`);
      }
      const allow = participant.allow.map((cidr) => {
        if (!cidrPattern.test(cidr)) throw new TypeError(`allowlist entry ${cidr} is not a normalised CIDR`);
        return `      allow ${cidr};`;
      });
      locations.push(`    location /@participant/${id}/ {
      internal;
${allow.join('\n')}${allow.length ? '\n' : ''}      deny all;
      rewrite ^/@participant/${id}(/.*)$ $1 break;
      proxy_set_header X-Participant-Id ${id};
      proxy_set_header X-Hub-Environment ${environment};
      proxy_set_header X-Client-Serial $ssl_client_serial;${handOn}
      proxy_pass ${upstream};
    }`);
    }
    return `
  # ${environment}: ${participants.length} participant(s)
  # Identity is the exact certificate (its fingerprint), never a CA: a CA a participant brought
  # cannot make a certificate that passes for another participant's.
  map $ssl_client_fingerprint ${variable} {
    default "";
${mapLines.join('\n')}${mapLines.length ? '\n' : ''}  }
  server {
    listen ${this.opts.listen[environment]} ssl;
    ssl_certificate ${this.opts.tls.certFile};
    ssl_certificate_key ${this.opts.tls.keyFile};
    ssl_client_certificate ${this.opts.tls.caFile};
    # The certificate proves its key in the handshake; which certificates count is the map's: the
    # hub-issued ones and each participant's own accepted ones, exactly.
    ssl_verify_client optional_no_ca;
    if ($ssl_client_verify = NONE) { return 400; }
    # A certificate no participant holds now (revoked, expired, replaced, unknown, another CA's): refused.
    if (${variable} = "") { return 403; }
    location / { rewrite ^(.*)$ /@participant/${variable}$1 last; }
${locations.join('\n')}
  }
`;
  }

  /**
   * Before a start: the live file for the state (rendered, checked by `nginx -t`, written), with no
   * running nginx needed. What the gateway starts on is then exactly what the registry holds.
   */
  prepare(state: GatewayState, reason: string): Promise<GatewayApplied> {
    return this.lock.runExclusive(async () => {
      await this.ensureFolders();
      const { text, sha256 } = this.render(state, reason);
      const candidate = path.join(this.opts.prefix, 'revisions', `${sha256.slice(0, 16)}.conf`);
      await writeFile(candidate, text, { mode: 0o644 });
      if (nginxInstalled(this.opts.binary)) {
        const test = await this.nginx(['-t', '-q', '-c', candidate]);
        if (!test.ok)
          return { configSha256: sha256, status: 'refused', message: test.output || 'nginx -t failed', running: false, live: false };
      }
      const tmp = `${this.configFile}.${process.pid}.tmp`;
      await writeFile(tmp, text, { mode: 0o644 });
      await rename(tmp, this.configFile);
      return { configSha256: sha256, status: 'applied', message: 'prepared for the next start', running: false, live: false };
    });
  }

  /** Render → `nginx -t` → replace the live file → reload, one change at a time. */
  apply(state: GatewayState, reason: string): Promise<GatewayApplied> {
    return this.lock.runExclusive(async () => {
      await this.ensureFolders();
      const { text, sha256 } = this.render(state, reason);
      const candidate = path.join(this.opts.prefix, 'revisions', `${sha256.slice(0, 16)}.conf`);
      await writeFile(candidate, text, { mode: 0o644 });
      if (!nginxInstalled(this.opts.binary)) {
        // The gateway is off on this machine: what is granted is kept, and checked by `nginx -t` when it starts.
        await writeFile(this.configFile, text, { mode: 0o644 });
        return {
          configSha256: sha256,
          status: 'applied',
          message: `the gateway is off (nginx is not installed at ${this.opts.binary}): the configuration is kept and checked when it starts`,
          running: false,
          live: false,
        };
      }
      const test = await this.nginx(['-t', '-q', '-c', candidate]);
      if (!test.ok)
        return { configSha256: sha256, status: 'refused', message: test.output || 'nginx -t failed', running: this.running(), live: false };
      // Not running (its master died, a restart is under way): nothing is applied or reported applied;
      // the caller retries, and the gateway's own start renders what the registry holds by then.
      if (!this.running())
        return {
          configSha256: sha256,
          status: 'unavailable',
          message: 'the gateway is not running (its supervisor restarts it): nothing was applied',
          running: false,
          live: false,
        };
      const tmp = `${this.configFile}.${process.pid}.tmp`;
      await writeFile(tmp, text, { mode: 0o644 });
      await rename(tmp, this.configFile);
      // Workers of the previous revision may still accept a connection after the new ones serve:
      // the change is live once they are gone (worker_shutdown_timeout bounds their last requests).
      const previousWorkers = workersOf(this.masterPid());
      const reload = await this.nginx(['-s', 'reload', '-c', this.configFile]);
      if (!reload.ok)
        return { configSha256: sha256, status: 'applied', message: `reload failed: ${reload.output}`, running: true, live: false };
      const live = await this.waitServing(sha256, previousWorkers);
      return {
        configSha256: sha256,
        status: 'applied',
        message: live ? 'reloaded' : 'reloaded, but the new revision was not served in time',
        running: true,
        live,
      };
    });
  }

  /**
   * Stops what an earlier run left behind before a start: the master named in the pid file if it
   * still runs, and every nginx process with this prefix's logs open (orphaned workers of a killed
   * master). Fast shutdown (SIGTERM), then SIGKILL after `graceMs`; returns the pids stopped.
   */
  async clearStale(graceMs = 3000): Promise<number[]> {
    const stale = [
      ...new Set([...(this.masterPid() === null ? [] : [this.masterPid() as number]), ...(await nginxProcessesOf(this.opts.prefix))]),
    ];
    for (const pid of stale) signal(pid, 'SIGTERM');
    const until = Date.now() + graceMs;
    while (stale.some(alive) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    for (const pid of stale.filter(alive)) signal(pid, 'SIGKILL');
    while (stale.some(alive) && Date.now() < until + 2000) await new Promise((resolve) => setTimeout(resolve, 50));
    await rm(path.join(this.opts.prefix, 'run', 'nginx.pid'), { force: true });
    return stale;
  }

  /** Whether the nginx with this pid is the one the pid file names and it serves the live file's revision. */
  async servesAs(pid: number): Promise<boolean> {
    if (this.masterPid() !== pid) return false;
    const live = await readFile(this.configFile, 'utf8').catch(() => '');
    const served = await this.serving();
    return served !== null && live.includes(`"${served}"`);
  }

  /** Starts nginx in the foreground on the live file (for `npm start` and the tests); the caller supervises it. */
  start(): ChildProcess {
    return spawn(this.opts.binary, ['-p', `${this.opts.prefix}/`, '-e', 'stderr', '-c', this.configFile, '-g', 'daemon off;'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  }

  /** Whether the running nginx serves the live file's revision. */
  async serving(): Promise<string | null> {
    try {
      const res = await fetch(`http://${this.opts.echoListen}/.gateway-revision`, { signal: AbortSignal.timeout(1000) });
      return res.ok ? await res.text() : null;
    } catch {
      return null;
    }
  }

  private async waitServing(sha256: string, previousWorkers: number[]): Promise<boolean> {
    const until = Date.now() + (this.opts.reloadTimeoutMs ?? 15_000);
    while (Date.now() < until) {
      if ((await this.serving()) === sha256 && !previousWorkers.some(alive)) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  }

  private masterPid(): number | null {
    const pidFile = path.join(this.opts.prefix, 'run', 'nginx.pid');
    if (!existsSync(pidFile)) return null;
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : null;
  }

  private running(): boolean {
    return this.masterPid() !== null;
  }

  private async ensureFolders(): Promise<void> {
    for (const dir of ['revisions', 'logs', 'run', 'tmp']) await mkdir(path.join(this.opts.prefix, dir), { recursive: true });
  }

  private async nginx(args: string[]): Promise<{ ok: boolean; output: string }> {
    try {
      const { stderr } = await run(this.opts.binary, ['-p', `${this.opts.prefix}/`, '-e', 'stderr', ...args], { timeout: 15_000 });
      return { ok: true, output: stderr.trim() };
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      return { ok: false, output: (e.stderr ?? e.message).trim() };
    }
  }
}
