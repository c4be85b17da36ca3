/**
 * `npm run bench:time-to-connected`: the product's headline figure. A DFSP onboarded with the
 * participant kit and Mojaloop's sdk-scheme-adapter (configured only from its connection pack)
 * against the running stack — the API, the worker, the edge (nginx and the verifying hop), the
 * authorization server, the Testing Toolkit as the sandbox switch — with every staff decision
 * answered at once. Prints the seconds from `POST /onboardings` to the first transfer through the
 * edge with the new DFSP's SDK (it is the payee; a DFSP already connected pays it), and to `live`,
 * with the time each step took (which dominate). Target: connected ≤ 60 s on this machine.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Environment } from '../workflows/messages';
import { runBench, withInteropStack } from './interop-stack';
import {
  connect,
  dfsps,
  installPack,
  interop,
  keys,
  kitOk,
  operator,
  runSdk,
  startOnboarding,
  status,
  submitEverything,
  transfer,
  type Dfsp,
} from '../test/support/interop-rig';

const marks: { step: string; ms: number }[] = [];
let t0 = 0;
let last = 0;
const mark = (step: string) => {
  const now = performance.now();
  marks.push({ step, ms: now - last });
  last = now;
};

/** Polls the status every 25 ms until the instance is open (what the kit's `next` would show). */
async function open(d: Dfsp, instanceId: string, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await status(d))?.awaiting.some((a) => a.instanceId === instanceId)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${instanceId} never opened`);
}

async function decide(d: Dfsp, by: string, body: Record<string, unknown>): Promise<void> {
  const res = await interop.app.inject({ method: 'POST', url: `/onboardings/${d.id}/approvals`, headers: keys.staff(by), payload: body });
  if (res.statusCode !== 200) throw new Error(`${String(body.gate)}: ${res.statusCode} ${res.body}`);
}

/** The DFSP's submissions of one environment with the kit (the keys were made by `kit init`). */
async function kitSubmissions(d: Dfsp, environment: Environment): Promise<void> {
  const env = ['--environment', environment];
  for (const what of ['client-csr', 'server-certificate', 'jws-key', 'endpoints', 'oauth-client']) {
    await kitOk(d, 'submit', what, ...env);
    mark(`kit submit ${what} (${environment})`);
  }
  await kitOk(d, 'submit', 'ip-allowlist', ...env, '--entries', '127.0.0.1');
  mark(`kit submit ip-allowlist (${environment})`);
  await open(d, `hub-client-certificate@${environment}#1`);
  mark(`hub's CSR published (${environment})`);
  await kitOk(d, 'submit', 'hub-client-certificate', ...env);
  mark(`kit submit hub-client-certificate (${environment})`);
}

async function packAndSdk(d: Dfsp, environment: Environment): Promise<void> {
  const installed = JSON.parse(await kitOk(d, '--json', 'fetch', 'pack', '--environment', environment)) as { dir: string };
  d.packDir = installed.dir;
  mark(`kit fetch pack (${environment})`);
  await runSdk(d);
  mark(`SDK started from the pack (${environment})`);
  await kitOk(d, 'submit', 'connectivity', '--environment', environment);
  mark(`kit submit connectivity (${environment}: the hub reaches the SDK over mTLS)`);
}

async function main(): Promise<void> {
  await withInteropStack({ productionReachable: true }, async () => {
    // The payer: a DFSP already connected in sandbox (not timed).
    const payer = dfsps.a;
    await submitEverything(payer);
    await installPack(payer);
    await runSdk(payer);
    await connect(payer);

    const d = dfsps.b;
    t0 = performance.now();
    last = t0;
    await startOnboarding(d);
    mark('POST /onboardings (operator)');
    const issued = await interop.app.inject({ method: 'POST', url: `/participants/${d.id}/api-keys`, headers: operator(), payload: {} });
    d.apiKey = issued.json().secret.value as string;
    d.kitDir = mkdtempSync(path.join(tmpdir(), `${d.id}-kit-`));
    mark('participant key issued (operator)');
    await kitOk(d, 'init', '--api', interop.apiUrl, '--participant', d.id);
    mark('kit init (every key, CSR and the DFSP CA, both environments)');
    await kitSubmissions(d, 'sandbox');
    await kitOk(d, 'fetch', 'ca');
    await packAndSdk(d, 'sandbox');
    await open(d, 'uat-signoff@sandbox#1');
    mark("hub-ledger (TTK) + edge access + the hub's UAT run (28 assertions)");
    // The payer's SDK validates the new DFSP's signatures only with its key: it installs its next pack (that key added) and restarts.
    await installPack(payer);
    await runSdk(payer);
    mark("the payer installs its next pack (the new DFSP's JWS key) and restarts its SDK");
    const paid = await transfer('100');
    if (paid.body.currentState !== 'COMPLETED') throw new Error(`first transfer: ${JSON.stringify(paid.body).slice(0, 500)}`);
    mark('first transfer through the edge COMPLETED (A → the new DFSP)');
    const connected = performance.now() - t0;

    await decide(d, 'omar@hub', {
      gate: 'uat-signoff',
      environment: 'sandbox',
      decision: 'approved',
      evidence: [{ label: 'UAT run', url: 'https://docs.hub.example/uat.pdf' }],
    });
    await open(d, 'contract@production#1');
    await decide(d, 'lena@hub', { gate: 'contract', environment: 'production', decision: 'approved' });
    mark('uat-signoff and contract approved (at once)');
    await open(d, 'client-csr@production#1');
    await kitSubmissions(d, 'production');
    // The DFSP deploys its production configuration: the SDK from the production pack.
    await packAndSdk(d, 'production');
    await open(d, 'ledger-setup@production#1');
    await decide(d, 'omar@hub', { gate: 'ledger-setup', environment: 'production', decision: 'approved' });
    mark('ledger-setup confirmed (no production ledger configured)');
    await open(d, 'go-live@production#1');
    await decide(d, 'omar@hub', { gate: 'go-live', environment: 'production', decision: 'approved' });
    await decide(d, 'pia@hub', { gate: 'go-live', environment: 'production', decision: 'approved' });
    const until = Date.now() + 60_000;
    while ((await status(d)).state !== 'live') {
      if (Date.now() > until) throw new Error('never live');
      await new Promise((r) => setTimeout(r, 25));
    }
    mark('go-live approved by two (at once) → live');
    const toLive = performance.now() - t0;

    const s = (ms: number) => (ms / 1000).toFixed(2).padStart(7);
    const lines = [
      `time to connected (POST /onboardings → first transfer through the edge): ${s(connected)} s   (target <= 60 s: ${connected <= 60_000 ? 'met' : 'MISSED'})`,
      `time to live      (POST /onboardings → live in production):           ${s(toLive)} s`,
      '',
      'step                                                                        seconds',
      ...marks.map((m) => `${m.step.padEnd(75)} ${s(m.ms)}`),
      '',
      'slowest steps:',
      ...[...marks]
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 4)
        .map((m) => `  ${s(m.ms)} s  ${m.step}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}

runBench(main);
