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
 * OpenTelemetry's workflow interceptors, in every bundle the worker runs: a workflow's spans go to
 * the worker's span sink, which exports them only where tracing is configured (config/tracing.ts).
 */
export const workflowInterceptorModules = [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')];

export interface BundleManifest {
  sha256: string;
  bytes: number;
  builtAt: string;
}

const manifestPath = (bundlePath: string) => `${bundlePath}.json`;
const sha256 = (code: string) => createHash('sha256').update(code).digest('hex');

/** Bundles workflows/ (webpack, through the SDK) into `bundlePath` and writes its manifest. */
export async function buildWorkflowBundle(bundlePath: string): Promise<BundleManifest> {
  const { code } = await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: new DefaultLogger('WARN') });
  const manifest: BundleManifest = { sha256: sha256(code), bytes: Buffer.byteLength(code), builtAt: new Date().toISOString() };
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
