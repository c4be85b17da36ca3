/**
 * `npm run bench:capacity [-- --open 10000 --clients 20 --probe 200 --cache 100 --heap 512 --bundle dist/workflow-bundle.js --minutes 60]`: how the hub holds many open
 * onboardings. The stack exactly as `npm start` runs it (the dev server on a database file, the
 * worker and the API as processes of their own, WORKFLOW_CACHE_SIZE at its default), onboardings
 * opened through the API over HTTP by `--clients` concurrent callers: half TPPs (waiting at their
 * application review), half DFSPs (waiting for their submissions). Prints start and status p50/p99
 * with (almost) none open and with `--open` open, the worker's and the server's RSS at both, the
 * opening rate.
 * Targets: latencies at `--open` within 2× of empty; the worker's RSS under 1 GB.
 */
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { descendants, startBody, startStack, stopStack, type Stack } from './fault-campaign';
import { defaultWorkerHeapMb, defaultWorkflowCacheSize } from '../worker/config';
import { arg, percentile, textArg } from './stats';

const log = (line: string) => process.stdout.write(`${line}\n`);

/** Resident memory of a process in MB (Linux /proc). */
function rssMb(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? null : Math.round(Number(kb) / 1024);
  } catch {
    return null;
  }
}

async function pidOf(stack: Stack, pattern: RegExp): Promise<number | null> {
  const found = (await descendants(stack.child.pid ?? -1)).find((p) => pattern.test(p.cmdline) && !p.cmdline.includes('tsx/dist/cli'));
  return found?.pid ?? null;
}

async function call(stack: Stack, method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ ms: number; status: number }> {
  const t0 = performance.now();
  const res = await fetch(`${stack.apiUrl}${url}`, {
    method,
    headers: {
      authorization: `Bearer ${stack.staffKeys[0]!.key}`,
      ...(body === undefined
        ? {}
        : { 'content-type': 'application/json', 'idempotency-key': `cap-${Math.random().toString(36).slice(2)}` }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await res.arrayBuffer();
  return { ms: performance.now() - t0, status: res.status };
}

async function main(): Promise<void> {
  const target = arg('open', 10_000);
  const clients = arg('clients', 20);
  const probe = arg('probe', 200);
  const cache = textArg('cache');
  // A workflow bundle of the caller's (`npm run build`'s, or a variant to compare); default: the one npm start builds.
  const bundle = textArg('bundle');
  const work = mkdtempSync(path.join(tmpdir(), 'capacity-'));
  const stack = await startStack(work, '', null, log, {
    ...(cache === null ? {} : { WORKFLOW_CACHE_SIZE: cache }),
    ...(bundle === null ? {} : { WORKFLOW_BUNDLE: path.resolve(bundle) }),
    ...(textArg('heap') === null ? {} : { WORKER_HEAP_MB: String(textArg('heap')) }),
  });
  log(
    `worker cache: ${cache ?? `the default (${defaultWorkflowCacheSize})`}; heap bound: ${textArg('heap') ?? `npm start’s default (${defaultWorkerHeapMb} MB)`}`,
  );
  const opened: string[] = [];
  let failures = 0;
  const open = async (id: string) => {
    const res = await call(stack, 'POST', '/onboardings', startBody(id, opened.length % 2 === 0 ? 'tpp' : 'dfsp'));
    if (res.status === 202 || res.status === 201 || res.status === 200) opened.push(id);
    else failures += 1;
    return res;
  };
  /** `count` calls from `clients` concurrent callers; the latencies. */
  const run = async (count: number, one: (n: number) => Promise<{ ms: number }>) => {
    const ms: number[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < count) ms.push((await one(next++)).ms);
      }),
    );
    return ms;
  };
  const measureAt = async (label: string) => {
    const starts = await run(probe, (n) => open(`cap-${label}-${n}`));
    const reads = await run(probe, () => call(stack, 'GET', `/onboardings/${opened[Math.floor(Math.random() * opened.length)]}`));
    const worker = rssMb(await pidOf(stack, /worker\/main\.ts/));
    const server = rssMb(await pidOf(stack, /\/temporal server start-dev/));
    return { label, open: opened.length, starts, reads, worker, server };
  };
  try {
    const empty = await measureAt('empty');
    log(
      `with ${empty.open} open: start p50 ${percentile(empty.starts, 50).toFixed(0)} ms; worker ${empty.worker} MB, server ${empty.server} MB`,
    );
    const t0 = Date.now();
    // --minutes: the bulk stops opening when the time is up (the figures then say how many were open).
    const stopAt = textArg('minutes') === null ? Infinity : t0 + Number(textArg('minutes')) * 60_000;
    const wanted = Math.max(0, target - opened.length - probe);
    let bulk = wanted;
    let done = 0;
    await run(wanted, async (n) => {
      if (Date.now() > stopAt) {
        bulk = Math.min(bulk, n);
        return { ms: 0 };
      }
      const r = await open(`cap-bulk-${n}`);
      if (++done % 1000 === 0)
        log(
          `  ${opened.length} open (${((Date.now() - t0) / 1000).toFixed(0)} s; worker ${rssMb(await pidOf(stack, /worker\/main\.ts/))} MB)`,
        );
      return r;
    });
    const seconds = (Date.now() - t0) / 1000;
    if (bulk < wanted) log(`time is up (--minutes ${textArg('minutes')}): ${bulk} of ${wanted} opened in bulk`);
    const full = await measureAt('full');
    const row = (m: typeof empty) =>
      `| ${m.open} | ${percentile(m.starts, 50).toFixed(0)} | ${percentile(m.starts, 99).toFixed(0)} | ${percentile(m.reads, 50).toFixed(0)} | ${percentile(m.reads, 99).toFixed(0)} | ${m.worker ?? '-'} | ${m.server ?? '-'} |`;
    const ratio = (a: number[], b: number[], p: number) => (percentile(b, p) / percentile(a, p)).toFixed(2);
    log('');
    log(`| open | start p50 (ms) | start p99 | status p50 | status p99 | worker RSS (MB) | server RSS (MB) |`);
    log('|---|---|---|---|---|---|---|');
    log(row(empty));
    log(row(full));
    log(
      `ratios at ${full.open} open vs empty: start p50 ${ratio(empty.starts, full.starts, 50)}, p99 ${ratio(empty.starts, full.starts, 99)}; status p50 ${ratio(empty.reads, full.reads, 50)}, p99 ${ratio(empty.reads, full.reads, 99)} (target ≤ 2)`,
    );
    log(
      `opening rate: ${(bulk / seconds).toFixed(1)} onboardings/s (${bulk} in ${seconds.toFixed(0)} s, ${clients} callers); failed starts: ${failures}`,
    );
    log(`worker RSS at ${full.open} open: ${full.worker} MB (target < 1024)`);
  } finally {
    await stopStack(stack.child);
  }
}

void main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
