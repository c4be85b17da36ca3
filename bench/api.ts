/**
 * API latency against the bare Temporal client, in one run on one machine: the same three calls
 * (start an onboarding, read its status, decide its first gate) through the API over real HTTP,
 * and made directly with the Temporal client, each by N concurrent clients. Prints p50/p99 per
 * call and the API/direct ratio at p50 against its target: start ≤ 1.2 × a bare start plus its
 * first query (the API answers from update-with-start), status ≤ 1.1 × a bare query, decide ≤ 1.5 ×
 * a bare Update (the API answers from the update itself; its proof checked by the worker, the bare one unproven).
 *   npm run bench:api [-- --clients 20 --rounds 5]
 */
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { arg, percentile } from './stats';
import { buildApp } from '../api/app';
import { OnboardingGateway } from '../api/onboarding-gateway';
import { loadRequestProofKey } from '../activities/identity/request-proof';
import { fingerprintRequest } from '../api/fingerprint';
import { decideGate, onboardingWorkflowId, OnboardingStatus, statusQuery, TppOnboardingInput } from '../workflows/messages';
import { testKeys } from '../test/support/auth';
import { startTestServer } from '../test/support/dev-server';
import { startBody } from '../test/support/requests';
import { bundleWorkflows, createTestStack } from '../test/support/temporal-env';

type Op = 'start' | 'status' | 'decide';

async function measure(
  clients: number,
  rounds: number,
  run: (id: string, time: (op: Op, call: () => Promise<unknown>) => Promise<void>) => Promise<void>,
  prefix: string,
) {
  const samples: Record<Op, number[]> = { start: [], status: [], decide: [] };
  const time = async (op: Op, call: () => Promise<unknown>) => {
    const t0 = performance.now();
    await call();
    samples[op].push(performance.now() - t0);
  };
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let r = 0; r < rounds; r++) await run(`${prefix}-${c}-${r}`, time);
    }),
  );
  return samples;
}

/** The workflow answers its status query only once its first task ran: both paths wait for that. */
async function awaitingReview(read: () => Promise<OnboardingStatus | null>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (((await read())?.awaiting.length ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the onboarding never opened its first gate');
}

async function main(): Promise<void> {
  const clients = arg('clients', 20);
  const rounds = arg('rounds', 5);
  const server = await startTestServer();
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = server.namespace;
  const stack = await createTestStack(await bundleWorkflows(), `bench-api-${Date.now()}`);
  await stack.startWorker();
  const keys = testKeys();
  const app = buildApp({
    // With the request proofs, as in production: each decision's proof is checked by the worker (a local activity).
    gateway: new OnboardingGateway(stack.client, stack.taskQueue, undefined, undefined, loadRequestProofKey({}, stack.dataDir)),
    authenticator: keys.authenticator,
    logger: pino({ level: 'silent' }),
    rateLimitPerMinute: 1_000_000,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const headers = { ...keys.staff('bench@hub'), 'content-type': 'application/json' };
  try {
    const viaApi = await measure(
      clients,
      rounds,
      async (id, time) => {
        await time('start', async () => {
          const res = await fetch(`${url}/onboardings`, { method: 'POST', headers, body: JSON.stringify(startBody(id)) });
          if (res.status >= 300) throw new Error(`start ${res.status}`);
        });
        await awaitingReview(
          async () =>
            ((await (await fetch(`${url}/onboardings/${id}`, { headers })).json()) as { onboarding: OnboardingStatus | null }).onboarding,
        );
        await time('status', async () => {
          const res = await fetch(`${url}/onboardings/${id}`, { headers });
          if (res.status !== 200) throw new Error(`status ${res.status}`);
        });
        await time('decide', async () => {
          const res = await fetch(`${url}/onboardings/${id}/approvals`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ gate: 'application-review', decision: 'approved' }),
          });
          if (res.status !== 200) throw new Error(`decide ${res.status}: ${await res.text()}`);
        });
      },
      'bench-api',
    );

    const direct = await measure(
      clients,
      rounds,
      async (id, time) => {
        const body = startBody(id);
        const input: TppOnboardingInput = { ...body, requestFingerprint: fingerprintRequest(body) };
        const handle = stack.client.workflow.getHandle(onboardingWorkflowId(id));
        // The baseline of a start: a bare start plus its first status query (what a caller needs to know where it stands).
        await time('start', async () => {
          await stack.client.workflow.start('tppOnboarding', {
            workflowId: onboardingWorkflowId(id),
            taskQueue: stack.taskQueue,
            args: [input],
          });
          await handle.query(statusQuery);
        });
        await awaitingReview(() => handle.query(statusQuery));
        await time('status', () => handle.query(statusQuery));
        await time('decide', () =>
          handle.executeUpdate(decideGate, { args: [{ gate: 'application-review', decision: 'approved', decidedBy: 'bench@hub' }] }),
        );
      },
      'bench-direct',
    );

    const fmt = (n: number) => n.toFixed(1).padStart(8);
    const lines = [`${clients} concurrent clients x ${rounds} onboardings each, ${clients * rounds} per path; latencies in ms`];
    lines.push(
      `${'call'.padEnd(8)} ${'API p50'.padStart(8)} ${'API p99'.padStart(8)} ${'Temporal p50'.padStart(13)} ${'Temporal p99'.padStart(13)}   API/Temporal at p50 (target)`,
    );
    // Baselines: start = a bare start plus its first query; status = a bare query; decide = a bare Update.
    const targets: Record<Op, number> = { start: 1.2, status: 1.1, decide: 1.5 };
    for (const op of ['start', 'status', 'decide'] as const) {
      const ratio = percentile(viaApi[op], 50) / percentile(direct[op], 50);
      lines.push(
        `${op.padEnd(8)} ${fmt(percentile(viaApi[op], 50))} ${fmt(percentile(viaApi[op], 99))} ${fmt(percentile(direct[op], 50)).padStart(13)} ${fmt(percentile(direct[op], 99)).padStart(13)}   ${ratio.toFixed(2)} (<= ${targets[op].toFixed(2)}) ${ratio <= targets[op] ? 'met' : 'MISSED'}`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await app.close();
    await stack.close();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
