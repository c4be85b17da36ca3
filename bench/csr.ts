/**
 * A DFSP's client CSR submitted through the API (real HTTP) and answered with its findings and the
 * hub-signed certificate, by N concurrent submitters, against the floor any submission stands on:
 * a bare Workflow Update whose handler runs one no-op activity, made with the Temporal client on
 * the same server and worker, in the same run. Prints p50/p99 of both, the ratio, and the CPU each
 * process used while the rounds ran.
 *   npm run bench:csr [-- --clients 20 --rounds 5 --layout processes|single --profile DIR]
 * `--layout processes` (default): worker and API in processes of their own, as deployed;
 * `single`: both inside the bench process, on the submitters' event loop.
 * Targets (issue 10): CSR p50 <= 100 ms, p99 <= 300 ms, CSR p50 <= 1.5 x baseline p50.
 */
import { testCodecKeysFile, testDataConverter } from '../test/support/codec';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import pino from 'pino';
import { arg, cpuSeconds, percentile, textArg } from './stats';
import { activitiesOf } from '../activities';
import { buildApp } from '../api/app';
import { OnboardingGateway } from '../api/onboarding-gateway';
import { ApiKeyEntry, createAuthenticator, Grant, newApiKey } from '../api/auth';
import { stopChild } from '../scripts/dev-server';
import { spawnTs, waitUntil, workerPolling } from '../scripts/processes';
import { freePort, startTestServer } from '../test/support/dev-server';
import { createTestStack, type TestStack } from '../test/support/temporal-env';
import { createDefaultActivities } from '../worker/onboarding-worker';
import { onboardingWorkflowId, submit, type OnboardingStatus } from '../workflows/messages';
import { noopUpdate, stopBaseline } from './baseline-messages';

const registration = {
  currencies: [{ currency: 'XOF', netDebitCap: 1000 }],
  contacts: { business: { name: 'B', email: 'b@bench.example' }, technical: { name: 'T', email: 't@bench.example' } },
  callbackHosts: { sandbox: ['api.bench.example'], production: ['93.184.216.34'] },
  notificationEmails: {
    netDebitCapAdjustment: 'n@bench.example',
    settlementPositionChange: 's@bench.example',
    netDebitCapThresholdBreach: 'x@bench.example',
  },
};

/** Distinct RSA-2048 CSRs made by openssl (a CSR's key may serve one participant only). */
function makeCsrs(count: number, dir: string, id: (i: number) => string): string[] {
  return Array.from({ length: count }, (_, i) => {
    const key = path.join(dir, `${i}.key`);
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', key], { stdio: 'ignore' });
    execFileSync('openssl', ['req', '-new', '-key', key, '-subj', `/C=SN/O=Bench Money/CN=${id(i)}`, '-out', path.join(dir, `${i}.csr`)], {
      stdio: 'ignore',
    });
    return readFileSync(path.join(dir, `${i}.csr`), 'utf8');
  });
}

/** API keys made up front: the API process reads them from its key file, the in-process API from memory. */
function benchKeys(participants: string[]) {
  const made = new Map<string, { key: string; entry: ApiKeyEntry }>();
  const make = (name: string, grant: Grant) => made.set(name, newApiKey(name, [grant]));
  make('bench@hub', 'operator');
  for (const id of participants) make(`ops@${id}`, `participant:${id}`);
  return {
    entries: [...made.values()].map((m) => m.entry),
    as: (name: string): Record<string, string> => ({ authorization: `Bearer ${(made.get(name) as { key: string }).key}` }),
  };
}

interface BenchStack {
  url: string;
  /** The processes whose CPU the bench reports, by role. */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * `processes` (the default) is the production shape — the worker and the API are processes of
 * their own, as `npm start` runs them, and this process only submits; `single` runs the worker
 * and the API inside the bench process, sharing one event loop with the submitters.
 */
async function startStack(
  layout: string,
  stack: TestStack,
  bundle: { code: string },
  keys: ReturnType<typeof benchKeys>,
  serverAddress: string,
  profileDir: string | null,
): Promise<BenchStack> {
  if (layout === 'single') {
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
      dataConverter: testDataConverter(),
      namespace: stack.namespace,
      taskQueue: stack.taskQueue,
      workflowBundle: { code: bundle.code },
      activities: { ...activitiesOf(groups), benchNoop: async (n: number) => n },
    });
    const running = worker.run();
    const app = buildApp({
      gateway: new OnboardingGateway(stack.client, stack.taskQueue),
      authenticator: createAuthenticator(keys.entries),
      logger: pino({ level: 'silent' }),
      rateLimitPerMinute: 1_000_000,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return {
      url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
      pids: { 'bench (API + worker + submitters)': process.pid },
      stop: async () => {
        await app.close();
        worker.shutdown();
        await running;
      },
    };
  }
  if (layout !== 'processes') throw new Error(`--layout is processes or single, not ${layout}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-csr-run-'));
  const bundleFile = path.join(dir, 'workflow-bundle.js');
  writeFileSync(bundleFile, bundle.code);
  const keyFile = path.join(dir, 'api-keys.json');
  writeFileSync(keyFile, `${JSON.stringify({ keys: keys.entries })}\n`, { mode: 0o600 });
  const common = {
    TEMPORAL_ADDRESS: serverAddress,
    TEMPORAL_NAMESPACE: stack.namespace,
    TEMPORAL_TASK_QUEUE: stack.taskQueue,
    DATA_DIR: stack.dataDir,
    PAYLOAD_CODEC_KEYS_FILE: testCodecKeysFile,
  };
  // Child output goes to stderr: stdout is the bench's figures.
  const nodeArgs = profileDir === null ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  const worker = spawnTs(
    'bench/worker.ts',
    'worker',
    { ...common, BENCH_BUNDLE: bundleFile, HUB_NAME: 'Bench Hub' },
    { nodeArgs, output: process.stderr },
  );
  await waitUntil('bench worker', 120_000, worker, () => workerPolling(stack.client, stack.namespace, stack.taskQueue, worker.pid ?? -1));
  const port = await freePort();
  const api = spawnTs(
    'api/server.ts',
    'api',
    { ...common, API_KEYS_FILE: keyFile, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '1000000' },
    { nodeArgs, output: process.stderr },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntil('API', 60_000, api, async () => (await fetch(`${url}/healthz`)).ok);
  return {
    url,
    pids: { worker: worker.pid ?? 0, API: api.pid ?? 0, 'bench (submitters)': process.pid },
    stop: async () => {
      await stopChild(api);
      await stopChild(worker);
    },
  };
}

async function main(): Promise<void> {
  const clients = arg('clients', 20);
  const rounds = arg('rounds', 5);
  const layout = textArg('layout') ?? 'processes';
  // --profile DIR: the worker and the API write V8 CPU profiles there when they stop; the rounds'
  // window is printed in the profiles' clock (monotonic µs), to cut the set-up out.
  const profileDir = textArg('profile');
  const total = clients * rounds;
  // One onboarding per CSR and path: the API path takes the first `total`, the direct path the rest.
  const onboardings = 2 * total;
  const server = await startTestServer();
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = server.namespace;
  const bundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./baseline-workflows'), logger: new DefaultLogger('WARN') });
  const stack = await createTestStack(bundle, `bench-csr-${Date.now()}`);
  const id = (i: number) => `bench-dfsp-${i}`;
  const keys = benchKeys(Array.from({ length: onboardings }, (_, i) => id(i)));
  const running = await startStack(layout, stack, bundle, keys, server.address, profileDir);
  const url = running.url;
  try {
    process.stderr.write(`making ${onboardings} CSRs and ${onboardings} DFSP onboardings (not timed)…\n`);
    const csrs = makeCsrs(onboardings, mkdtempSync(path.join(tmpdir(), 'bench-csr-')), id);
    const operator = { ...keys.as('bench@hub'), 'content-type': 'application/json' };
    for (let i = 0; i < onboardings; i += clients) {
      await Promise.all(
        Array.from({ length: Math.min(clients, onboardings - i) }, async (_, j) => {
          const participantId = id(i + j);
          const res = await fetch(`${url}/onboardings`, {
            method: 'POST',
            headers: operator,
            body: JSON.stringify({
              participantId,
              kind: 'dfsp',
              participant: { legalName: 'Bench Money', country: 'SN', contactEmail: 'ops@bench.example' },
              registration,
            }),
          });
          if (res.status >= 300) throw new Error(`start ${res.status}: ${await res.text()}`);
        }),
      );
    }
    // Every onboarding waits for its CSR before anything is timed.
    for (let i = 0; i < onboardings; i++) {
      const headers = keys.as(`ops@${id(i)}`);
      for (;;) {
        const body = (await (await fetch(`${url}/onboardings/${id(i)}`, { headers })).json()) as { onboarding: OnboardingStatus };
        if (body.onboarding.awaiting.some((a) => a.instanceId === 'client-csr@sandbox#1')) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const baselines = await Promise.all(
      Array.from({ length: clients }, (_, c) =>
        stack.client.workflow.start('benchBaseline', { workflowId: `bench-baseline-${Date.now()}-${c}`, taskQueue: stack.taskQueue }),
      ),
    );

    const warmup = async () => {
      await Promise.all(baselines.map((h) => h.executeUpdate(noopUpdate, { args: [0] })));
    };
    await warmup();

    const csrSamples: number[] = [];
    const directSamples: number[] = [];
    const baselineSamples: number[] = [];

    // Where the CPU goes while the rounds run: the dev server, and this process (API, worker, clients).
    const pids: Record<string, number> = { 'dev server': server.process.pid ?? 0, ...running.pids };
    const cpuBefore = Object.fromEntries(Object.entries(pids).map(([role, pid]) => [role, cpuSeconds(pid)]));
    const startedAt = performance.now();
    const monotonicUs = () => process.hrtime.bigint() / 1000n;
    const windowStart = monotonicUs();
    // Interleaved, so both paths see the same machine: a CSR round, then a baseline round.
    for (let r = 0; r < rounds; r++) {
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          const i = r * clients + c;
          const headers = { ...keys.as(`ops@${id(i)}`), 'content-type': 'application/json' };
          const t0 = performance.now();
          const res = await fetch(`${url}/onboardings/${id(i)}/submissions/client-csr`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ csrPem: csrs[i] }),
          });
          const body = (await res.json()) as { submission?: { artifact?: { certificatePem?: string } }; report?: { findings?: unknown[] } };
          csrSamples.push(performance.now() - t0);
          if (res.status !== 200 || !body.submission?.artifact?.certificatePem || !Array.isArray(body.report?.findings))
            throw new Error(`csr ${res.status}: ${JSON.stringify(body).slice(0, 300)}`);
        }),
      );
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          const i = total + r * clients + c;
          const t0 = performance.now();
          const outcome = await stack.client.workflow.getHandle(onboardingWorkflowId(id(i))).executeUpdate(submit, {
            args: [{ name: 'client-csr', environment: 'sandbox', submittedBy: `ops@${id(i)}`, payload: { csrPem: csrs[i] as string } }],
          });
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
    const wallSeconds = (performance.now() - startedAt) / 1000;
    if (profileDir !== null)
      process.stderr.write(`profiles in ${profileDir}; rounds from ${windowStart} to ${monotonicUs()} µs (monotonic)\n`);
    const cpu = Object.entries(pids).map(([role, pid]) => {
      const before = cpuBefore[role];
      const after = cpuSeconds(pid);
      return { role, seconds: before === null || before === undefined || after === null ? null : after - before };
    });
    await Promise.all(baselines.map((h) => h.signal(stopBaseline)));

    const fmt = (n: number) => n.toFixed(1).padStart(8);
    const lines = [
      `${clients} concurrent submitters x ${rounds} rounds, ${total} CSRs (RSA-2048) through the API; worker and API: ${layout === 'single' ? 'in the bench process' : 'processes of their own'}; latencies in ms`,
      `${'path'.padEnd(44)} ${'p50'.padStart(8)} ${'p99'.padStart(8)}`,
      `${'CSR via API: findings + signed certificate'.padEnd(44)} ${fmt(percentile(csrSamples, 50))} ${fmt(percentile(csrSamples, 99))}   target p50 <= 100, p99 <= 300`,
      `${'CSR via the Temporal client (no API)'.padEnd(44)} ${fmt(percentile(directSamples, 50))} ${fmt(percentile(directSamples, 99))}`,
      `${'bare Update + no-op activity (client)'.padEnd(44)} ${fmt(percentile(baselineSamples, 50))} ${fmt(percentile(baselineSamples, 99))}`,
      `CSR / baseline at p50: ${(percentile(csrSamples, 50) / percentile(baselineSamples, 50)).toFixed(2)} (target <= 1.50); at p99: ${(percentile(csrSamples, 99) / percentile(baselineSamples, 99)).toFixed(2)}`,
    ];
    if (cpu.every((c) => c.seconds !== null)) {
      const cores = availableParallelism();
      const sum = cpu.reduce((n, c) => n + (c.seconds ?? 0), 0);
      lines.push(
        `CPU over the ${wallSeconds.toFixed(1)} s of rounds (layout ${layout}): ${cpu.map((c) => `${c.role} ${(c.seconds ?? 0).toFixed(2)} s`).join(', ')}` +
          ` = ${((sum / (wallSeconds * cores)) * 100).toFixed(0)}% of ${cores} cores`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await running.stop();
    await stack.close();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
