/**
 * `npm run bench:interop`: a DFSP's P2P transfer (Mojaloop's sdk-scheme-adapter 18.0.2: parties →
 * quotes → transfers: six FSPIOP requests from the two SDKs to the hub, six calls out) through the hub's edge — nginx
 * mTLS and allowlist, the verifying hop (token, FSPIOP-Source, JWS) — against the same transfer
 * with both SDKs pointed at the Testing Toolkit directly (plain HTTP, no token), in the same run.
 * The switch's calls to the DFSPs go through the egress in both. Wall time per transfer, measured
 * at A's outbound API. `--transfers N` (default 20).
 */
import { runBench, withInteropStack } from './interop-stack';
import { connect, dfsps, installPack, interop, runSdk, submitEverything, transfer } from '../test/support/interop-rig';
import { arg, percentile } from './stats';

async function timed(label: string, n: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const paid = await transfer(String(10 + i));
    const ms = performance.now() - started;
    if (paid.body.currentState !== 'COMPLETED') throw new Error(`${label} transfer ${i}: ${JSON.stringify(paid.body).slice(0, 500)}`);
    times.push(ms);
  }
  return times;
}

const summary = (times: number[]) => ({
  p50: percentile(times, 50),
  p95: percentile(times, 95),
  mean: times.reduce((a, b) => a + b, 0) / times.length,
});

async function main(): Promise<void> {
  const n = arg('transfers', 20);
  await withInteropStack({}, async () => {
    for (const d of Object.values(dfsps)) await submitEverything(d);
    for (const d of Object.values(dfsps)) {
      await installPack(d);
      await runSdk(d);
    }
    for (const d of Object.values(dfsps)) await connect(d);
    await timed('warm-up (edge)', 3);
    const edge = summary(await timed('edge', n));
    // The baseline: the same SDKs and packs, their outbound calls straight to TTK's FSPIOP API.
    const direct = {
      PEER_ENDPOINT: interop.ttk.fspiopUrl.replace('http://', ''),
      OUTBOUND_MUTUAL_TLS_ENABLED: 'false',
      OAUTH_TOKEN_ENDPOINT: '',
    };
    for (const d of Object.values(dfsps)) await runSdk(d, direct);
    await timed('warm-up (direct)', 3);
    const baseline = summary(await timed('direct', n));
    const row = (name: string, s: ReturnType<typeof summary>) =>
      `${name.padEnd(28)} p50 ${s.p50.toFixed(1).padStart(7)} ms   p95 ${s.p95.toFixed(1).padStart(7)} ms   mean ${s.mean.toFixed(1).padStart(7)} ms`;
    process.stdout.write(`P2P transfer wall time, ${n} transfers each (sdk-scheme-adapter 18.0.2, TTK 18.19.2 in HUB_ONLY_MODE)\n`);
    process.stdout.write(`${row('SDK → TTK directly', baseline)}\n${row('SDK → edge → TTK', edge)}\n`);
    process.stdout.write(
      `edge adds ${(edge.p50 - baseline.p50).toFixed(1)} ms at p50 per transfer (six requests through the edge's inbound); ratio ${(edge.p50 / baseline.p50).toFixed(2)}×\n`,
    );
  });
}

runBench(main);
