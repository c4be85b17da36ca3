/**
 * `npm run build [-- --out <file>] [--tracing]`: the workflow bundle, built once (default
 * dist/workflow-bundle.js, its manifest beside it). Start workers with
 * `WORKFLOW_BUNDLE=dist/workflow-bundle.js` to load it instead of bundling workflows/ at each start.
 * `--tracing`: with the OpenTelemetry workflow interceptors, for workers that trace.
 */
import path from 'node:path';
import { buildWorkflowBundle } from '../worker/workflow-bundle';

async function main(): Promise<void> {
  const at = process.argv.indexOf('--out');
  const out = path.resolve(at > 0 ? String(process.argv[at + 1]) : path.join(__dirname, '..', 'dist', 'workflow-bundle.js'));
  const t0 = Date.now();
  const tracing = process.argv.includes('--tracing');
  const manifest = await buildWorkflowBundle(out, { tracing });
  process.stdout.write(
    `workflow bundle: ${out} (${(manifest.bytes / 1024).toFixed(0)} KiB, sha256 ${manifest.sha256.slice(0, 16)}…${tracing ? ', with the OpenTelemetry workflow interceptors' : ''}) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n` +
      `run workers with WORKFLOW_BUNDLE=${path.relative(process.cwd(), out) || out}\n`,
  );
}

void main().catch((err: unknown) => {
  process.stderr.write(`build failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
