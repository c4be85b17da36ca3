/**
 * `npm start`: the whole stack on one machine. Builds the pinned Temporal CLI if needed, starts
 * the dev server from temporal-dev.yaml (or reuses one already answering), then the worker and
 * the gateway (nginx), the authorization server (oidc-provider) and the API; waits until each is ready; Ctrl-C / SIGTERM stops them in
 * reverse order.
 */
import type { ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { nginxInstalled } from '../activities/network/nginx-gateway';
import { allStaffGrants, newApiKey } from '../api/auth';
import { loadApiConfig } from '../api/config';
import { defaultWorkerHeapMb, loadWorkerConfig } from '../worker/config';
import { buildWorkflowBundle } from '../worker/workflow-bundle';
import { loadTracingSettings } from '../config/tracing';
import { addApiKeyEntry } from './api-key-file';
import { ensureTemporalCli } from './install-temporal';
import { ensureMailpit, startMailpit } from './mailpit';
import path from 'node:path';
import { announces, prefixOutput, spawnTs, tcpAnswers, waitUntil, workerPolling } from './processes';
import { startTestingToolkit, testingToolkitInstalled } from './testing-toolkit';
import { ensureSearchAttributes, serverAnswers, startDevServer, stopChild } from './dev-server';
import { Supervisor } from './supervisor';
import { frontendAddress, loadDevConfig, resolveFromRoot } from './temporal-dev-config';

const say = (line: string) => process.stdout.write(`[start] ${line}\n`);

/**
 * On a fresh checkout (no key file yet) a development key with every staff grant, so the README's
 * curl walk-through works at once. Stored hashed; the key is returned to be printed once.
 */
async function ensureDevelopmentKey(file: string): Promise<string | null> {
  if (existsSync(file)) return null;
  const { key, entry } = newApiKey('developer', allStaffGrants);
  await addApiKeyEntry(file, entry);
  return key;
}

/**
 * The dev UI's credential for the codec endpoint: a viewer key made once (its hash in the key file,
 * the key itself in DATA_DIR/ui-codec.key, 0600), put in the endpoint's path because the dev
 * server's UI has no sign-in that could send a token.
 */
async function uiCodecEndpoint(endpoint: string, apiKeysFile: string, dataDir: string): Promise<string> {
  if (!endpoint.endsWith('/codec')) return endpoint;
  const file = path.join(dataDir, 'ui-codec.key');
  if (!existsSync(file)) {
    const { key, entry } = newApiKey('temporal-ui-codec', ['viewer']);
    await addApiKeyEntry(apiKeysFile, entry);
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    await writeFile(file, `${key}\n`, { mode: 0o600 });
  }
  return `${endpoint}/k/${(await readFile(file, 'utf8')).trim()}`;
}

async function main(): Promise<void> {
  // TEMPORAL_DEV_CONFIG: another dev-server file (other ports, another data folder), e.g. for a second stack.
  const dev = loadDevConfig(process.env.TEMPORAL_DEV_CONFIG ? path.resolve(process.env.TEMPORAL_DEV_CONFIG) : undefined);
  const api = loadApiConfig(process.env);
  const address = frontendAddress(dev);
  const namespace = dev.server.namespace;
  const env = { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, TEMPORAL_TASK_QUEUE: api.taskQueue };

  const workerHeapMb = process.env.WORKER_HEAP_MB ?? String(defaultWorkerHeapMb);
  if (!/^[0-9]{3,5}$/.test(workerHeapMb) || Number(workerHeapMb) < 256)
    throw new Error(`WORKER_HEAP_MB must be a whole number of MB, at least 256 (got ${JSON.stringify(workerHeapMb)})`);
  const supervised: Supervisor[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping… (the worker lets running activities finish)');
    for (const s of supervised.reverse()) await s.stop();
    say('stopped');
    process.exit(code);
  };
  // `on`, not `once`: a second signal while stopping (a second Ctrl-C, a supervisor's repeated TERM) must not kill
  // this process with the default action and leave its children running as orphans.
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  // First: on a fresh checkout the key file does not exist yet (the UI's codec key below joins it).
  const devKey = await ensureDevelopmentKey(api.apiKeysFile);
  try {
    if (await serverAnswers(address, namespace)) {
      say(`reusing the Temporal server already answering at ${address} (not supervised: whoever started it keeps it up)`);
      const added = await ensureSearchAttributes(address, namespace, dev.searchAttributes);
      if (added.length > 0) say(`registered search attributes: ${added.join(', ')}`);
    } else {
      const binary = ensureTemporalCli(dev, say);
      say(`starting temporal server start-dev at ${address} (data: ${dev.server.dbFile ?? 'in memory'})`);
      const codecEndpoint = await uiCodecEndpoint(dev.ui.codecEndpoint, api.apiKeysFile, api.dataDir);
      // Supervised like the rest: killed, it starts again on the same database file, and the worker's
      // and the API's connections reconnect by themselves (gRPC) instead of the stack stopping.
      const temporalServer = new Supervisor({
        name: 'temporal',
        log: say,
        stopChild,
        start: async () => {
          const server = await startDevServer(binary, { ...dev, ui: { ...dev.ui, codecEndpoint } }, {}, { stdio: 'pipe' });
          prefixOutput(server.process, 'temporal');
          return server.process;
        },
      });
      supervised.push(temporalServer);
      await temporalServer.run();
    }

    // Mail: the worker sends notifications to a local Mailpit; its web inbox shows what was sent.
    const mail = dev.mailpit;
    const mailpitBinary = ensureMailpit(mail, say);
    const mailpit = new Supervisor({
      name: 'mailpit',
      log: say,
      stopChild,
      start: async () =>
        (await startMailpit(mailpitBinary, { ...mail, dbFile: mail.dbFile ? resolveFromRoot(mail.dbFile) : null })).process,
    });
    supervised.push(mailpit);
    await mailpit.run();
    const smtpUrl = `smtp://${mail.ip}:${mail.smtpPort}`;
    const inboxUrl = `http://${mail.ip}:${mail.uiPort}`;
    Object.assign(env, {
      SMTP_URL: process.env.SMTP_URL ?? smtpUrl,
      // Development addresses for the hub's teams (all land in Mailpit); the environment overrides them.
      NOTIFY_BUSINESS_EMAIL: process.env.NOTIFY_BUSINESS_EMAIL ?? 'business@hub.local',
      NOTIFY_LEGAL_EMAIL: process.env.NOTIFY_LEGAL_EMAIL ?? 'legal@hub.local',
      NOTIFY_SECURITY_EMAIL: process.env.NOTIFY_SECURITY_EMAIL ?? 'security@hub.local',
      NOTIFY_OPS_EMAIL: process.env.NOTIFY_OPS_EMAIL ?? 'ops@hub.local',
      NOTIFY_ESCALATION_EMAIL: process.env.NOTIFY_ESCALATION_EMAIL ?? 'escalation@hub.local',
      PUBLIC_API_URL: process.env.PUBLIC_API_URL ?? `http://${api.host === '0.0.0.0' ? '127.0.0.1' : api.host}:${api.port}`,
      TEMPORAL_UI_URL: process.env.TEMPORAL_UI_URL ?? `http://${dev.server.ip}:${dev.server.uiPort}`,
    });

    // Mojaloop's Testing Toolkit as the sandbox switch, when `npm run peers:install` put it in place (TTK_ADMIN_LISTEN=off: not started).
    let ttkUrls: { admin: string; fspiop: string } | null = null;
    if (testingToolkitInstalled() && process.env.TTK_ADMIN_LISTEN !== 'off') {
      const adminListen = process.env.TTK_ADMIN_LISTEN ?? '127.0.0.1:5050';
      const fspiopListen = process.env.TTK_FSPIOP_LISTEN ?? '127.0.0.1:4040';
      const ttk = new Supervisor({
        name: 'ttk',
        log: say,
        stopChild,
        start: async () =>
          (
            await startTestingToolkit({
              dir: path.join(resolveFromRoot(process.env.DATA_DIR ?? '.data'), 'ttk'),
              adminListen,
              fspiopListen,
            })
          ).child,
      });
      supervised.push(ttk);
      await ttk.run();
      ttkUrls = { admin: `http://${adminListen}`, fspiop: `http://${fspiopListen}` };
      Object.assign(env, {
        SANDBOX_SWITCH_TTK_URL: process.env.SANDBOX_SWITCH_TTK_URL ?? ttkUrls.admin,
        GATEWAY_SANDBOX_UPSTREAM: process.env.GATEWAY_SANDBOX_UPSTREAM ?? ttkUrls.fspiop,
      });
    }

    // The workflows bundled once for this run (production mode): every worker start and restart loads the
    // same bundle in a second instead of bundling workflows/ again. A WORKFLOW_BUNDLE of the caller's is used as it is.
    if (process.env.WORKFLOW_BUNDLE === undefined) {
      const bundlePath = path.join(api.dataDir, 'workflow-bundle.js');
      const t0 = Date.now();
      // With the OpenTelemetry workflow interceptors only when this stack traces (OTEL_EXPORTER_OTLP_ENDPOINT).
      await buildWorkflowBundle(bundlePath, { tracing: loadTracingSettings(process.env, 'onboarding-worker').endpoint !== null });
      say(`workflows bundled in ${((Date.now() - t0) / 1000).toFixed(1)} s (${bundlePath}); the worker loads the bundle`);
      Object.assign(env, { WORKFLOW_BUNDLE: bundlePath });
    }

    // The worker and the API are supervised: a crash restarts that process with backoff, the rest stays up.
    const worker = new Supervisor({
      name: 'worker',
      log: say,
      // Longer than the worker's shutdownGraceTime (15 s): its activities finish before any SIGKILL.
      stopChild: (child) => stopChild(child, 25_000),
      start: async () => {
        // The worker's V8 heaps (its workflow thread's too) bounded: V8 collects before growing past it (bench/RESULTS.md).
        const child = spawnTs('worker/main.ts', 'worker', env, { nodeArgs: [`--max-old-space-size=${workerHeapMb}`] });
        const probe = await Connection.connect({ address });
        try {
          await waitUntil('worker', 120_000, child, () => workerPolling(probe, namespace, api.taskQueue, child.pid ?? -1));
        } finally {
          await probe.close();
        }
        return child;
      },
    });
    supervised.push(worker);
    await worker.run();
    say('worker polling');

    // After the worker: it creates the hub CA on a first start, and the gateway's certificate comes from it.
    const { gateway: gatewayConfig, oauth } = loadWorkerConfig(process.env);
    const gateway = new Supervisor({
      name: 'gateway',
      log: say,
      stopChild,
      start: async () => {
        const child = spawnTs('edge/gateway.ts', 'gateway', env);
        // Its own line says its nginx (by pid) serves the live revision; then a fresh fetch of the marker.
        const ready = announces(child, 'gateway: ready');
        await waitUntil(
          'gateway',
          30_000,
          child,
          async () => ready() && (await fetch(`http://${gatewayConfig.echoListen}/.gateway-revision`)).ok,
        );
        return child;
      },
    });
    // nginx is optional on a development machine: without it the gateway is off (nothing listens for
    // participants' mTLS traffic) and everything else runs; the worker keeps what it grants.
    const gatewayOn = nginxInstalled(gatewayConfig.binary);
    if (gatewayOn) {
      supervised.push(gateway);
      await gateway.run();
    } else {
      say(
        `gateway off: nginx is not installed (NGINX_BINARY=${gatewayConfig.binary}; Debian: apt-get install nginx-light) — no mTLS listeners, participants cannot connect; allowlists and access are kept and applied once it is installed and npm start runs again`,
      );
    }

    const authServer = new Supervisor({
      name: 'auth-server',
      log: say,
      stopChild,
      start: async () => {
        const child = spawnTs('edge/auth-server.ts', 'auth-server', env);
        // Its line once it listens, then a fresh connection to that port (not a flag set once).
        const announced = announces(child, 'auth-server: issuer');
        await waitUntil('auth-server', 60_000, child, async () => announced() && (await tcpAnswers(oauth.listen)));
        return child;
      },
    });
    // With the scheme's Keycloak (KEYCLOAK_URL) issuing the tokens, the embedded server does not run.
    if (oauth.keycloak === null) {
      supervised.push(authServer);
      await authServer.run();
    }

    // The edge's verifying hop between nginx and the upstreams (tokens, FSPIOP rules), unless EDGE_VERIFIER_LISTEN=off.
    if (gatewayConfig.verifier !== null) {
      const edge = new Supervisor({
        name: 'edge',
        log: say,
        stopChild,
        start: async () => {
          const child = spawnTs('edge/verifier/main.ts', 'edge', env);
          // Ready when it answers HTTP (any status: it refuses whoever is not the gateway), whatever LOG_LEVEL says.
          await waitUntil('edge', 60_000, child, async () => (await fetch(`http://${gatewayConfig.verifier}/`)).status > 0);
          return child;
        },
      });
      supervised.push(edge);
      await edge.run();
    }

    const apiUrl = `http://${api.host === '0.0.0.0' ? '127.0.0.1' : api.host}:${api.port}`;
    const apiProcess = new Supervisor({
      name: 'api',
      log: say,
      stopChild,
      start: async () => {
        const child = spawnTs('api/server.ts', 'api', env);
        await waitUntil('api', 60_000, child, async () => (await fetch(`${apiUrl}/healthz`)).ok);
        return child;
      },
    });
    supervised.push(apiProcess);
    await apiProcess.run();
    await waitUntil('api', 60_000, apiProcess.current as ChildProcess, async () => (await fetch(`${apiUrl}/readyz`)).ok);

    say('ready');
    say(`  Temporal Web UI  http://${dev.server.ip}:${dev.server.uiPort}/namespaces/${namespace}/workflows`);
    say(`  API              ${apiUrl}  (try: curl ${apiUrl}/readyz)`);
    say(
      gatewayOn
        ? `  Gateway (mTLS)   sandbox https://${gatewayConfig.listen.sandbox}  production https://${gatewayConfig.listen.production}`
        : `  Gateway (mTLS)   off: nginx is not installed (apt-get install nginx-light)`,
    );
    say(
      gatewayConfig.verifier === null
        ? '  Edge             off (EDGE_VERIFIER_LISTEN=off): mTLS and allowlists only, no token or FSPIOP checks'
        : `  Edge             ${gatewayConfig.verifier}  (every request: OAuth token; DFSPs: FSPIOP-Source and FSPIOP-Signature)`,
    );
    say(
      ttkUrls === null
        ? "  Sandbox switch   none (npm run peers:install adds Mojaloop's Testing Toolkit); sandbox traffic goes to the echo upstream"
        : `  Sandbox switch   Testing Toolkit: UI and admin ${ttkUrls.admin}, FSPIOP ${ttkUrls.fspiop} (behind the edge; its calls to DFSPs leave through the egress)`,
    );
    say(`  Mail (Mailpit)   inbox ${inboxUrl}  SMTP ${smtpUrl}  (every notification the hub sends)`);
    say(
      oauth.keycloak === null
        ? `  OAuth server     ${oauth.issuer}  (token ${oauth.tokenEndpoint}, JWKS ${oauth.jwksUri}; TLS from the hub CA)`
        : `  OAuth server     Keycloak realm ${oauth.keycloak.realm}: ${oauth.issuer}  (token ${oauth.tokenEndpoint}, JWKS ${oauth.jwksUri})`,
    );
    if (devKey !== null) {
      say(`  a development API key with every staff grant was created (stored hashed in ${api.apiKeysFile}); shown once:`);
      say(`    export ONBOARDING_API_KEY=${devKey}`);
      say(`    curl -H "Authorization: Bearer $ONBOARDING_API_KEY" ${apiUrl}/onboardings/acme-pay`);
    }
    say('Ctrl-C stops everything; onboardings are kept in the SQLite file.');
  } catch (err) {
    say(`failed: ${(err as Error).message}`);
    await stopAll(1);
  }
}

void main();
