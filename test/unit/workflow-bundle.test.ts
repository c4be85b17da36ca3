import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadWorkerConfig } from '../../worker/config';
import { checkBundleTracing, loadWorkflowBundle } from '../../worker/workflow-bundle';

/** A bundle file and its manifest as `npm run build` writes them (the code here is a stand-in: only the check is under test). */
function writeBundle(dir: string, code: string, manifestSha = createHash('sha256').update(code).digest('hex')): string {
  const file = path.join(dir, 'workflow-bundle.js');
  writeFileSync(file, code);
  writeFileSync(`${file}.json`, JSON.stringify({ sha256: manifestSha, bytes: code.length, builtAt: '2026-12-04T20:00:00.000Z' }));
  return file;
}

describe('the worker in production mode: the built bundle (WORKFLOW_BUNDLE) and its cache (WORKFLOW_CACHE_SIZE)', () => {
  it('is a worker setting, resolved to an absolute path; absent, the worker bundles workflows/ at start', () => {
    expect(loadWorkerConfig({ WORKFLOW_BUNDLE: 'dist/workflow-bundle.js' }).workflowBundle).toBe(path.resolve('dist/workflow-bundle.js'));
    expect(loadWorkerConfig({}).workflowBundle).toBeNull();
  });

  it('bounds the onboardings kept in memory: WORKFLOW_CACHE_SIZE, 100 by default, a whole number', () => {
    expect(loadWorkerConfig({}).workflowCacheSize).toBe(100);
    expect(loadWorkerConfig({ WORKFLOW_CACHE_SIZE: '2000' }).workflowCacheSize).toBe(2000);
    expect(() => loadWorkerConfig({ WORKFLOW_CACHE_SIZE: 'lots' })).toThrow(/WORKFLOW_CACHE_SIZE/);
  });

  it('loads the bundle its manifest describes', () => {
    const file = writeBundle(mkdtempSync(path.join(tmpdir(), 'bundle-')), 'var __TEMPORAL__ = {};');
    const { bundle, manifest } = loadWorkflowBundle(file);
    expect(bundle.code).toBe('var __TEMPORAL__ = {};');
    expect(manifest.builtAt).toBe('2026-12-04T20:00:00.000Z');
  });

  it('refuses a bundle that is not what was built (edited or truncated), naming both digests and how to rebuild', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bundle-'));
    const file = writeBundle(dir, 'var __TEMPORAL__ = {};', createHash('sha256').update('another build').digest('hex'));
    expect(() => loadWorkflowBundle(file)).toThrow(
      /is not the bundle its manifest describes .*built .* at 2026-12-04T20:00:00.000Z\): build it again with `npm run build`/,
    );
  });

  it('refuses a missing bundle and one without its manifest, saying to run npm run build', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bundle-'));
    expect(() => loadWorkflowBundle(path.join(dir, 'nothing.js'))).toThrow(
      /WORKFLOW_BUNDLE: no bundle at .*nothing\.js \(make it with `npm run build`\)/,
    );
    writeFileSync(path.join(dir, 'bare.js'), 'var x;');
    expect(() => loadWorkflowBundle(path.join(dir, 'bare.js'))).toThrow(/has no manifest beside it \(bare\.js\.json\)/);
  });

  it('a worker that traces refuses a bundle built without the OpenTelemetry interceptors; one built with them in a worker that does not trace is reported', () => {
    const manifest = { sha256: 'x', bytes: 1, builtAt: '2026-12-07T00:00:00.000Z' };
    expect(() => checkBundleTracing(manifest, true)).toThrow(
      /built without the OpenTelemetry workflow interceptors .*`npm run build -- --tracing`/,
    );
    expect(() => checkBundleTracing({ ...manifest, tracing: false }, true)).toThrow(ConfigError);
    expect(checkBundleTracing({ ...manifest, tracing: true }, true)).toBeNull();
    expect(checkBundleTracing({ ...manifest, tracing: false }, false)).toBeNull();
    expect(checkBundleTracing(manifest, false)).toBeNull();
    expect(checkBundleTracing({ ...manifest, tracing: true }, false)).toMatch(/tracing is off: their spans are dropped/);
  });
});
