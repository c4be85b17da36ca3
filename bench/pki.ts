/**
 * PKI benchmark, one run on one machine: CSR signings/s by the hub CA (checks, profile, RSA
 * signature, lint of the result), chain checks/s of a 3-certificate bundle, and `openssl speed
 * rsa2048` measured in the same run as the baseline, with ratios.
 *   npm run bench:pki [-- --seconds 5 --concurrency 4 --leaves 2000]
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, sign as signOneShot } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { checkBundle } from '../activities/pki/bundle-checks';
import { CsrSigningService } from '../activities/pki/csr-signing';
import { MemoryIssuedCertificateRegistry } from '../activities/pki/issued-registry';
import { LocalHubCa } from '../activities/pki/local-hub-ca';
import { policyFor } from '../activities/pki/policy';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Rate {
  /** Operations per wall-clock second. */
  perSecond: number;
  /** Operations per CPU-second of this process, all threads (main + libuv pool): comparable to a one-core rate. */
  perCpuSecond: number;
}

async function rate(seconds: number, concurrency: number, op: () => Promise<unknown>): Promise<Rate> {
  for (let i = 0; i < 50; i++) await op(); // warm-up
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const lane = async () => {
    while (performance.now() < deadline) {
      await op();
      done++;
    }
  };
  const start = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, lane));
  const used = process.cpuUsage(cpu);
  return { perSecond: done / ((performance.now() - start) / 1000), perCpuSecond: done / ((used.user + used.system) / 1e6) };
}

function opensslRsa2048(seconds: number): { sign: number; verify: number } {
  const out = execFileSync('openssl', ['speed', '-seconds', String(seconds), 'rsa2048'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const line = out.split('\n').find((l) => /^rsa\s+2048 bits/.test(l));
  const nums = line?.trim().split(/\s+/).slice(-2).map(Number);
  if (!nums || nums.some(Number.isNaN)) throw new Error(`cannot read openssl speed output:\n${out}`);
  return { sign: nums[0] as number, verify: nums[1] as number };
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 5);
  const concurrency = arg('concurrency', 4);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-pki-'));
  const ca = await LocalHubCa.openEmbedded({ dir: path.join(dir, 'ca'), hubName: 'Bench Hub' });
  const keyFile = path.join(dir, 'client.key');
  const quiet = { stdio: ['ignore', 'ignore', 'ignore'] as ('ignore')[] };
  execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile], quiet);
  execFileSync('openssl', ['req', '-new', '-key', keyFile, '-subj', '/C=GB/O=Bench Pay Ltd/CN=bench-pay', '-out', path.join(dir, 'client.csr')], quiet);
  const csrPem = readFileSync(path.join(dir, 'client.csr'), 'utf8');
  const participant = { participantId: 'bench-pay', legalName: 'Bench Pay Ltd', country: 'GB', hosts: [] };
  const request = { csrPem, participant, kind: 'dfsp' as const, environment: 'sandbox' as const, role: 'tls-client' as const };

  // A fresh in-memory registry per signing: every iteration issues a new certificate (no reuse).
  const sign = () => new CsrSigningService(ca, new MemoryIssuedCertificateRegistry(), { validityDays: { sandbox: 90, production: 365 } }).sign(request);
  // Chain checks on bundles whose leaf the checker has never seen (as in production: the leaf is
  // new, the participant's CA certificates recur and stay cached).
  const leaves: string[] = [];
  const freshLeaves = arg('leaves', 5000);
  for (let i = 0; i < freshLeaves; i++) leaves.push((await sign()).certificatePem);
  const chainPem = ca.chainPem();
  const options = { policy: policyFor('dfsp', 'sandbox'), role: 'tls-client' as const, participant };
  const check = async (leaf: string) => {
    const report = await checkBundle(leaf + chainPem, options);
    if (report.verdict !== 'pass') throw new Error('bench bundle must pass');
  };
  await check(leaves[0] as string); // the chain certificates enter the cache
  const started = performance.now();
  for (const leaf of leaves.slice(1)) await check(leaf);
  const checkFresh = (leaves.length - 1) / ((performance.now() - started) / 1000);
  // The same bundle again and again: every certificate is a cache hit (what a naive benchmark measures).
  const checkRepeated = await rate(seconds, 1, () => check(leaves[0] as string));

  // Baselines: openssl's own loop, and the same OpenSSL RSA through Node with nothing around it.
  const baseline = opensslRsa2048(seconds);
  const bareKey = createPrivateKey(readFileSync(keyFile));
  const tbsSized = Buffer.alloc(700, 1);
  const bareNode = await rate(seconds, 1, async () => signOneShot('sha256', tbsSized, bareKey));
  const signSequential = await rate(seconds, 1, sign);
  const signConcurrent = await rate(seconds, concurrency, sign);

  const fmt = (n: number) => n.toFixed(0).padStart(8);
  const ratio = (n: number) => (n / baseline.sign).toFixed(2);
  const lines = [
    `openssl speed rsa2048 (1 core)                   sign/s ${fmt(baseline.sign)}   verify/s ${fmt(baseline.verify)}`,
    `Node crypto.sign RSA-2048, bare, sequential             ${fmt(bareNode.perSecond)}   ratio ${ratio(bareNode.perSecond)}`,
    `hub CA CSR signings/s, sequential                       ${fmt(signSequential.perSecond)}   ratio ${ratio(signSequential.perSecond)}`,
    `hub CA CSR signings/s, ${concurrency} concurrent (${availableParallelism()} cores)           ${fmt(signConcurrent.perSecond)}   ratio ${ratio(signConcurrent.perSecond)}   (target >= 0.60)`,
    `hub CA CSR signings per CPU-second (one-core equiv.)   ${fmt(signConcurrent.perCpuSecond)}   ratio ${ratio(signConcurrent.perCpuSecond)}   (CPU of every thread counted)`,
    `3-certificate chain checks/s, new leaf each             ${fmt(checkFresh)}   (target >= 2000; ${leaves.length - 1} distinct bundles, one core)`,
    `3-certificate chain checks/s, same bundle               ${fmt(checkRepeated.perSecond)}   (parsed certificates and verified links cached)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
