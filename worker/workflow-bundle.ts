/**
 * The workflow bundle, built once: `npm run build` (scripts/build.ts) writes it with a manifest
 * beside it (`<bundle>.json`: its SHA-256, size and build time), and a worker started with
 * `WORKFLOW_BUNDLE=<bundle>` loads it (production mode) instead of bundling workflows/ at every
 * start — seconds off each start and restart, and every worker of a deployment runs the same bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';
import { ConfigError } from '../config/config-error';

/** workflows/index.ts: what the bundle is made from. */
export const workflowsPath = require.resolve('../workflows');
/**
 * OpenTelemetry's workflow interceptors, bundled only for workers that trace (config/tracing.ts): a
 * workflow's spans go to the worker's span sink. They cost every cached onboarding about 2.7 MB more
 * (bench/RESULTS.md: 4.7 against 2.0 MB), so a worker that does not trace runs without them; they
 * change no command a workflow sends, so histories replay with or without them.
 */
export const workflowInterceptorModules = [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

export interface BundleManifest {
  sha256: string;
  bytes: number;
  builtAt: string;
  /** Built with the OpenTelemetry workflow interceptors (`npm run build -- --tracing`); absent in older manifests: false. */
  tracing?: boolean;
}

/**
 * A worker that traces needs a bundle built for it, and one built for tracing in a worker that does
 * not only costs memory: the first is refused (ConfigError), the second reported.
 */
export function checkBundleTracing(manifest: BundleManifest, tracing: boolean): string | null {
  if (tracing && manifest.tracing !== true)
    throw new ConfigError(
      'WORKFLOW_BUNDLE was built without the OpenTelemetry workflow interceptors while tracing is on (OTEL_EXPORTER_OTLP_ENDPOINT): build it with `npm run build -- --tracing`',
    );
  return !tracing && manifest.tracing === true
    ? 'WORKFLOW_BUNDLE carries the OpenTelemetry workflow interceptors while tracing is off: their spans are dropped, and each cached onboarding weighs more (`npm run build` without --tracing)'
    : null;
}

const manifestPath = (bundlePath: string) => `${bundlePath}.json`;
const sha256 = (code: string) => createHash('sha256').update(code).digest('hex');

/** Bundles workflows/ (webpack, through the SDK) into `bundlePath` and writes its manifest; `tracing`: with the OpenTelemetry workflow interceptors. */
export async function buildWorkflowBundle(bundlePath: string, options: { tracing?: boolean } = {}): Promise<BundleManifest> {
  const tracing = options.tracing === true;
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    ...(tracing ? { workflowInterceptorModules } : {}),
    logger: new DefaultLogger('WARN'),
  });
  const manifest: BundleManifest = { sha256: sha256(code), bytes: Buffer.byteLength(code), builtAt: new Date().toISOString(), tracing };
  mkdirSync(path.dirname(bundlePath), { recursive: true });
  writeFileSync(bundlePath, code);
  writeFileSync(manifestPath(bundlePath), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/**
 * Reads a bundle `npm run build` made, checked against its manifest: a missing file or one that
 * is not what was built (truncated, edited, another build's) stops the worker with the reason.
 */
export function loadWorkflowBundle(bundlePath: string): { bundle: WorkflowBundle; manifest: BundleManifest } {
  const resolved = path.resolve(bundlePath);
  if (!existsSync(resolved)) throw new ConfigError(`WORKFLOW_BUNDLE: no bundle at ${resolved} (make it with \`npm run build\`)`);
  if (!existsSync(manifestPath(resolved))) {
    throw new ConfigError(
      `WORKFLOW_BUNDLE: ${resolved} has no manifest beside it (${path.basename(manifestPath(resolved))}): build it with \`npm run build\``,
    );
  }
  const code = readFileSync(resolved, 'utf8');
  const manifest = JSON.parse(readFileSync(manifestPath(resolved), 'utf8')) as BundleManifest;
  const actual = sha256(code);
  if (actual !== manifest.sha256) {
    throw new ConfigError(
      `WORKFLOW_BUNDLE: ${resolved} is not the bundle its manifest describes (SHA-256 ${actual.slice(0, 12)}…, built ${manifest.sha256.slice(0, 12)}… at ${manifest.builtAt}): build it again with \`npm run build\``,
    );
  }
  return { bundle: { code }, manifest };
}
