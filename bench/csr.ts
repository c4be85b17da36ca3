/**
 * A DFSP's client CSR submitted through the API (real HTTP) and answered with its findings and the
 * hub-signed certificate, by N concurrent submitters, against the floor any submission stands on:
 * a bare Workflow Update whose handler runs one no-op activity, made with the Temporal client on
 * the same server and worker, in the same run. Prints p50/p99 of both and the ratio.
 *   npm run bench:csr [-- --clients 20 --rounds 5]
 * Targets (issue 10): CSR p50 <= 100 ms, p99 <= 300 ms, CSR p50 <= 1.5 x baseline p50.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import pino from 'pino';
import { arg, cpuSeconds, percentile } from './stats';
import { activitiesOf } from '../activities';
import { buildApp } from '../api/app';
import { OnboardingGateway } from '../api/onboarding-gateway';
import { testKeys } from '../test/support/auth';
import { startTestServer } from '../test/support/dev-server';
import { createTestStack } from '../test/support/temporal-env';
import { createDefaultActivities } from '../worker/onboarding-worker';
import { onboardingWorkflowId, submit, type OnboardingStatus } from '../workflows/messages';
import { noopUpdate, stopBaseline } from './baseline-messages';


const registration = {
  currencies: [{ currency: 'XOF', netDebitCap: 1000 }],
  contacts: { business: { name: 'B', email: 'b@bench.example' }, technical: { name: 'T', email: 't@bench.example' } },
  callbackHosts: { sandbox: ['api.bench.example'], production: ['93.184.216.34'] },
  notificationEmails: { netDebitCapAdjustment: 'n@bench.example', settlementPositionChange: 's@bench.example', netDebitCapThresholdBreach: 'x@bench.example' },
};

/** Distinct RSA-2048 CSRs made by openssl (a CSR's key may serve one participant only). */
function makeCsrs(count: number, dir: string, id: (i: number) => string): string[] {
  return Array.from({ length: count }, (_, i) => {
    const key = path.join(dir, `${i}.key`);
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key], { stdio: 'ignore' });
    execFileSync('openssl', ['req', '-new', '-key', key, '-subj', `/C=SN/O=Bench Money/CN=${id(i)}`, '-out', path.join(dir, `${i}.csr`)], { stdio: 'ignore' });
    return readFileSync(path.join(dir, `${i}.csr`), 'utf8');
  });
}

async function main(): Promise<void> {
  const clients = arg('clients', 20);
  const rounds = arg('rounds', 5);
  const total = clients * rounds;
  // One onboarding per CSR and path: the API path takes the first `total`, the direct path the rest.
  const onboardings = 2 * total;
  const server = await startTestServer();
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = server.namespace;
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./baseline-workflows'), logger: new DefaultLogger('WARN') });
  const stack = await createTestStack(bundle, `bench-csr-${Date.now()}`);
  const groups = await createDefaultActivities({
    dataDir: stack.dataDir,
    hubCa: { mode: 'embedded', dir: path.join(stack.dataDir, 'pki', 'ca'), hubName: 'Bench Hub' },
    hubName: 'Bench Hub',
    certificateValidityDays: { sandbox: 90, production: 365 },
    gateway: stack.gateway,
    oauth: stack.oauth,
    ledger: { url: { sandbox: null, production: null }, timeoutMs: 5000, defaultSettlementModel: false },
    outbound: { timeoutMs: 3000, connectTo: {} },
  });
  const worker = await Worker.create({
    connection: stack.nativeConnection,
    namespace: stack.namespace,
    taskQueue: stack.taskQueue,
    workflowBundle: { code: bundle.code },
    activities: { ...activitiesOf(groups), benchNoop: async (n: number) => n },
  });
  const running = worker.run();
  const keys = testKeys();
  const app = buildApp({ gateway: new OnboardingGateway(stack.client, stack.taskQueue), authenticator: keys.authenticator, logger: pino({ level: 'silent' }), rateLimitPerMinute: 1_000_000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const id = (i: number) => `bench-dfsp-${i}`;
  try {
    process.stderr.write(`making ${onboardings} CSRs and ${onboardings} DFSP onboardings (not timed)…\n`);
    const csrs = makeCsrs(onboardings, mkdtempSync(path.join(tmpdir(), 'bench-csr-')), id);
    const operator = { ...keys.as('bench@hub', 'operator'), 'content-type': 'application/json' };
    for (let i = 0; i < onboardings; i += clients) {
      await Promise.all(
        Array.from({ length: Math.min(clients, onboardings - i) }, async (_, j) => {
          const participantId = id(i + j);
          const res = await fetch(`${url}/onboardings`, {
            method: 'POST',
            headers: operator,
            body: JSON.stringify({ participantId, kind: 'dfsp', participant: { legalName: 'Bench Money', country: 'SN', contactEmail: 'ops@bench.example' }, registration }),
          });
          if (res.status >= 300) throw new Error(`start ${res.status}: ${await res.text()}`);
        }),
      );
    }
    // Every onboarding waits for its CSR before anything is timed.
    for (let i = 0; i < onboardings; i++) {
      const headers = keys.as(`ops@${id(i)}`, `participant:${id(i)}`);
      for (;;) {
        const body = (await (await fetch(`${url}/onboardings/${id(i)}`, { headers })).json()) as { onboarding: OnboardingStatus };
        if (body.onboarding.awaiting.some((a) => a.instanceId === 'client-csr@sandbox#1')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const baselines = await Promise.all(
      Array.from({ length: clients }, (_, c) => stack.client.workflow.start('benchBaseline', { workflowId: `bench-baseline-${Date.now()}-${c}`, taskQueue: stack.taskQueue })),
    );

    const warmup = async () => {
      await Promise.all(baselines.map((h) => h.executeUpdate(noopUpdate, { args: [0] })));
    };
    await warmup();

    const csrSamples: number[] = [];
    const directSamples: number[] = [];
    const baselineSamples: number[] = [];

    // Where the CPU goes while the rounds run: the dev server, and this process (API, worker, clients).
    const serverPid = server.process.pid ?? 0;
    const cpuBefore = { server: cpuSeconds(serverPid), self: cpuSeconds(process.pid), at: performance.now() };
    // Interleaved, so both paths see the same machine: a CSR round, then a baseline round.
    for (let r = 0; r < rounds; r++) {
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          const i = r * clients + c;
          const headers = { ...keys.as(`ops@${id(i)}`, `participant:${id(i)}`), 'content-type': 'application/json' };
          const t0 = performance.now();
          const res = await fetch(`${url}/onboardings/${id(i)}/submissions/client-csr`, { method: 'POST', headers, body: JSON.stringify({ csrPem: csrs[i] }) });
          const body = (await res.json()) as { submission?: { artifact?: { certificatePem?: string } }; report?: { findings?: unknown[] } };
          csrSamples.push(performance.now() - t0);
          if (res.status !== 200 || !body.submission?.artifact?.certificatePem || !Array.isArray(body.report?.findings)) throw new Error(`csr ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
        }),
      );
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          const i = total + r * clients + c;
          const t0 = performance.now();
          const outcome = await stack.client.workflow
            .getHandle(onboardingWorkflowId(id(i)))
            .executeUpdate(submit, { args: [{ name: 'client-csr', environment: 'sandbox', submittedBy: `ops@${id(i)}`, payload: { csrPem: csrs[i] as string } }] });
          directSamples.push(performance.now() - t0);
          if (outcome.instance.status !== 'accepted') throw new Error(`direct csr ${outcome.instance.status}`);
        }),
      );
      await Promise.all(
        baselines.map(async (handle, c) => {
          const t0 = performance.now();
          await handle.executeUpdate(noopUpdate, { args: [r * clients + c] });
          baselineSamples.push(performance.now() - t0);
        }),
      );
    }
    const wallSeconds = (performance.now() - cpuBefore.at) / 1000;
    const used = (before: number | null, pid: number) => (before === null ? null : (cpuSeconds(pid) ?? before) - before);
    const cpu = { server: used(cpuBefore.server, serverPid), self: used(cpuBefore.self, process.pid) };
    await Promise.all(baselines.map((h) => h.signal(stopBaseline)));

    const fmt = (n: number) => n.toFixed(1).padStart(8);
    const lines = [
      `${clients} concurrent submitters x ${rounds} rounds, ${total} CSRs (RSA-2048) through the API; latencies in ms`,
      `${'path'.padEnd(44)} ${'p50'.padStart(8)} ${'p99'.padStart(8)}`,
      `${'CSR via API: findings + signed certificate'.padEnd(44)} ${fmt(percentile(csrSamples, 50))} ${fmt(percentile(csrSamples, 99))}   target p50 <= 100, p99 <= 300`,
      `${'CSR via the Temporal client (no API)'.padEnd(44)} ${fmt(percentile(directSamples, 50))} ${fmt(percentile(directSamples, 99))}`,
      `${'bare Update + no-op activity (client)'.padEnd(44)} ${fmt(percentile(baselineSamples, 50))} ${fmt(percentile(baselineSamples, 99))}`,
      `CSR / baseline at p50: ${(percentile(csrSamples, 50) / percentile(baselineSamples, 50)).toFixed(2)} (target <= 1.50); at p99: ${(percentile(csrSamples, 99) / percentile(baselineSamples, 99)).toFixed(2)}`,
    ];
    if (cpu.server !== null && cpu.self !== null) {
      const cores = availableParallelism();
      lines.push(
        `CPU over the ${wallSeconds.toFixed(1)} s of rounds: dev server ${cpu.server.toFixed(2)} s, this process (API + worker + clients) ${cpu.self.toFixed(2)} s` +
          ` = ${(((cpu.server + cpu.self) / (wallSeconds * cores)) * 100).toFixed(0)}% of ${cores} cores`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await app.close();
    worker.shutdown();
    await running;
    await stack.close();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
