import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { onboardingSearchAttributeKeys } from '../../workflows/frame/search-attributes';
import { testDataConverter } from '../support/codec';
import { bundleWorkflows, installQuietRuntime } from '../support/temporal-env';
import { buildWorkflowBundle, loadWorkflowBundle } from '../../worker/workflow-bundle';

const searchAttributeNames = new Set(onboardingSearchAttributeKeys.map((k) => k.name));
const historiesDir = path.join(__dirname, '..', 'fixtures', 'histories');
const histories = readdirSync(historiesDir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => {
    const history = JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8'));
    return { file, workflowId: `onboarding-replay-${path.basename(file, '.json')}`, history };
  });

beforeAll(() => installQuietRuntime());

describe('replay of recorded onboarding histories', () => {
  it('has recorded histories to replay', () => {
    expect(histories.map((h) => h.file).sort()).toEqual([
      'bank-live.json',
      'dfsp-live.json',
      'tpp-gates-rework.json',
      'tpp-live-renewed.json',
      'tpp-live.json',
      'tpp-rejected.json',
    ]);
  });

  it('holds the histories as the codec wrote them: every payload encrypted, no PEM or e-mail readable without the key', () => {
    for (const { file, history } of histories) {
      const encodings = new Set<string>();
      const readable: string[] = [];
      // Every payload in the proto3 JSON (inputs, results, memo, summaries, details): its encoding, and what its bytes show.
      JSON.stringify(history, (key, value: unknown) => {
        // Search attributes are never encrypted (and carry ids and codes only): the UI filters on them.
        // TemporalChangeVersion is the SDK's own: the patches a run went through (`patched()`).
        if (searchAttributeNames.has(key) || key === 'TemporalChangeVersion') return undefined;
        // A local activity's marker: the SDK's own bookkeeping (seq, type, times), not a payload of ours; its result is encrypted.
        // A signal sent with the `temporal` CLI (human-gates refuses one) is encoded by the CLI, without the codec: not ours to encrypt.
        if (key === 'workflowExecutionSignaledEventAttributes') return undefined;
        // A patch marker (`patched()`): the SDK records the patch id (`patch-data`) in plain JSON, no payload of ours.
        if (key === 'markerRecordedEventAttributes') {
          const marker = value as { details?: Record<string, unknown> };
          return { ...marker, details: { ...marker.details, data: undefined, 'patch-data': undefined } };
        }
        if (value !== null && typeof value === 'object' && 'metadata' in value && 'data' in value) {
          const { metadata, data } = value as { metadata: Record<string, string>; data: string };
          encodings.add(metadata.encoding === undefined ? '(none)' : Buffer.from(metadata.encoding, 'base64').toString());
          const bytes = Buffer.from(data, 'base64').toString('latin1');
          if (/BEGIN CERTIFICATE|@[a-z0-9-]+\.example/.test(bytes)) readable.push(bytes.slice(0, 80));
        }
        return value;
      });
      expect([file, [...encodings]]).toEqual([file, ['binary/encrypted']]);
      expect([file, readable]).toEqual([file, []]);
    }
  });

  it('replays every recorded history with the current workflow code without non-determinism', async () => {
    const bundle = await bundleWorkflows();
    const results = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { code: bundle.code }, dataConverter: testDataConverter() },
      histories,
    )) {
      results.push({ workflowId: result.workflowId, error: result.error?.message ?? null });
    }
    expect(results).toEqual(histories.map((h) => ({ workflowId: h.workflowId, error: null })));
  });

  it.each([
    ['npm run build', false],
    ['npm run build -- --tracing', true],
  ])('replays every recorded history against the bundle `%s` makes, as a worker in production mode loads it', async (_build, tracing) => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'built-')), 'workflow-bundle.js');
    await buildWorkflowBundle(file, { tracing });
    const { bundle, manifest } = loadWorkflowBundle(file);
    expect(manifest.tracing).toBe(tracing);
    expect(bundle.code.includes('@temporalio/interceptors-opentelemetry/lib/workflow')).toBe(tracing);
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, dataConverter: testDataConverter() }, histories)) {
      results.push({ workflowId: result.workflowId, error: result.error?.message ?? null });
    }
    expect(results).toEqual(histories.map((h) => ({ workflowId: h.workflowId, error: null })));
  });

  it('fails the replay when the workflow code drifts (the guard can fail)', async () => {
    const drifted = await bundleWorkflowCode({
      workflowsPath: require.resolve('../fixtures/workflows/drifted-tpp'),
      logger: new DefaultLogger('WARN'),
    });
    const completed = histories.find((h) => h.file === 'tpp-rejected.json')!;
    await expect(
      Worker.runReplayHistory(
        { workflowBundle: { code: drifted.code }, dataConverter: testDataConverter() },
        completed.history,
        completed.workflowId,
      ),
    ).rejects.toThrow(/[Nn]ondeterminis/);
  });
});
