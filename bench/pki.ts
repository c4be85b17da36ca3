/**
 * PKI benchmark, one run on one machine: CSR signings/s by the hub CA (checks, profile, RSA
 * signature, lint of the result), chain checks/s of a 3-certificate bundle, and `openssl speed
 * rsa2048` measured in the same run as the baseline, with ratios. Targets (issue 7, on pkijs +
 * asn1js): CSR signings per CPU-second >= 0.25 x openssl's sign/s; chain checks with a new leaf
 * each time >= 1,000/s on one core. Figures of record: bench/RESULTS.md.
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
import { scanPem } from '../activities/pki/pem';
import { verifySignature } from '../activities/pki/signature-verify';
import { parseCertificate } from '../activities/pki/x509-model';
import { webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

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

async function rate(seconds: number, concurrency: number, op: (lane: number) => Promise<unknown>): Promise<Rate> {
  for (let i = 0; i < 50; i++) await op(0); // warm-up
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  const lane = async (index: number) => {
    while (performance.now() < deadline) {
      await op(index);
      done++;
    }
  };
  const start = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, (_, index) => lane(index)));
  const used = process.cpuUsage(cpu);
  return { perSecond: done / ((performance.now() - start) / 1000), perCpuSecond: done / ((used.user + used.system) / 1e6) };
}

function opensslRsa2048(seconds: number): { sign: number; verify: number } {
  const out = execFileSync('openssl', ['speed', '-seconds', String(seconds), 'rsa2048'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
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
  const quiet = { stdio: ['ignore', 'ignore', 'ignore'] as 'ignore'[] };
  execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', keyFile], quiet);
  // One CSR per lane (a key each): concurrent lanes never share an in-flight issuance.
  const csrPems = Array.from({ length: Math.max(1, concurrency) }, (_, i) => {
    const laneKey = path.join(dir, `lane-${i}.key`);
    execFileSync('openssl', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', laneKey], quiet);
    execFileSync(
      'openssl',
      ['req', '-new', '-key', laneKey, '-subj', '/C=GB/O=Bench Pay Ltd/CN=bench-pay', '-out', path.join(dir, `lane-${i}.csr`)],
      quiet,
    );
    return readFileSync(path.join(dir, `lane-${i}.csr`), 'utf8');
  });
  const participant = { participantId: 'bench-pay', legalName: 'Bench Pay Ltd', country: 'GB', hosts: [] };
  const requestFor = (lane: number) => ({
    csrPem: csrPems[lane % csrPems.length] as string,
    participant,
    kind: 'dfsp' as const,
    environment: 'sandbox' as const,
    role: 'tls-client' as const,
  });

  // A fresh in-memory registry per signing: every iteration issues a new certificate (no reuse).
  // One long-lived service, as in the worker (its per-role extensions are built once), over a
  // registry that never finds an earlier issuance: every iteration issues a new certificate.
  class NoReuseRegistry extends MemoryIssuedCertificateRegistry {
    override async findIssued(): Promise<null> {
      return null;
    }
    override async findByPublicKey(): Promise<[]> {
      return [];
    }
  }
  const service = new CsrSigningService(ca, new NoReuseRegistry(), { validityDays: { sandbox: 90, production: 365 } });
  const sign = (lane = 0) => service.sign(requestFor(lane));
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

  // Signature verification: OpenSSL through node:crypto with the issuer key cached (what the
  // checks use) against pkijs's crypto engine bound to Node's WebCrypto (the alternative).
  pkijs.setEngine(
    'node',
    new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as ConstructorParameters<typeof pkijs.CryptoEngine>[0]['crypto'] }),
  );
  const leafDer = scanPem(leaves[1] as string).blocks[0]!.der;
  const leafView = parseCertificate(leafDer);
  const pkijsLeaf = new pkijs.Certificate({ schema: asn1js.fromBER(leafDer).result });
  const pkijsIssuer = new pkijs.Certificate({ schema: asn1js.fromBER(ca.issuing.der).result });
  const verifyNode = await rate(seconds, 1, async () => {
    if (verifySignature(ca.issuing, leafView.signature, leafView.signatureValue, leafView.tbs) !== true) throw new Error('must verify');
  });
  const verifyPkijs = await rate(seconds, 1, async () => {
    if (!(await pkijsLeaf.verify(pkijsIssuer))) throw new Error('must verify');
  });

  // Baselines: openssl's own loop, and the same OpenSSL RSA through Node with nothing around it.
  const baseline = opensslRsa2048(seconds);
  const bareKey = createPrivateKey(readFileSync(keyFile));
  const tbsSized = Buffer.alloc(700, 1);
  const bareNode = await rate(seconds, 1, async () => signOneShot('sha256', tbsSized, bareKey));
  const signSequential = await rate(seconds, 1, sign);
  const signConcurrent = await rate(seconds, concurrency, sign);

  // A pure-JavaScript baseline: asn1js and pkijs are allocation-heavy JS, whose speed relative to
  // OpenSSL's native RSA varies between machines far more than either alone.
  const jsonText = JSON.stringify(Array.from({ length: 50 }, (_, i) => ({ a: i, b: `x${i}`, c: [1, 2, 3] })));
  const jsonParse = await rate(seconds, 1, async () => JSON.parse(jsonText));

  const fmt = (n: number) => n.toFixed(0).padStart(8);
  const ratio = (n: number) => (n / baseline.sign).toFixed(2);
  const lines = [
    `openssl speed rsa2048 (1 core)                   sign/s ${fmt(baseline.sign)}   verify/s ${fmt(baseline.verify)}`,
    `JSON.parse of a ${jsonText.length}-byte document/s (JS baseline)     ${fmt(jsonParse.perSecond)}`,
    `Node crypto.sign RSA-2048, bare, sequential             ${fmt(bareNode.perSecond)}   ratio ${ratio(bareNode.perSecond)}`,
    `hub CA CSR signings/s, sequential                       ${fmt(signSequential.perSecond)}   ratio ${ratio(signSequential.perSecond)}`,
    `hub CA CSR signings/s, ${concurrency} concurrent (${availableParallelism()} cores)           ${fmt(signConcurrent.perSecond)}   ratio ${ratio(signConcurrent.perSecond)}`,
    `hub CA CSR signings per CPU-second (one-core equiv.)   ${fmt(signConcurrent.perCpuSecond)}   ratio ${ratio(signConcurrent.perCpuSecond)}   (target >= 0.25; CPU of every thread counted)`,
    `3-certificate chain checks/s, new leaf each             ${fmt(checkFresh)}   (target >= 1000; ${leaves.length - 1} distinct bundles, one core)`,
    `3-certificate chain checks/s, same bundle               ${fmt(checkRepeated.perSecond)}   (parsed certificates and verified links cached)`,
    `signature verifications/s, node:crypto, cached key      ${fmt(verifyNode.perSecond)}`,
    `signature verifications/s, pkijs WebCrypto engine       ${fmt(verifyPkijs.perSecond)}   (ratio ${(verifyPkijs.perSecond / verifyNode.perSecond).toFixed(2)} to node:crypto)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
