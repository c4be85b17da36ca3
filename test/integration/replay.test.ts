import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { bundleWorkflows, installQuietRuntime } from '../support/temporal-env';

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

  it('replays every recorded history with the current workflow code without non-determinism', async () => {
    const bundle = await bundleWorkflows();
    const results = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { code: bundle.code } }, histories)) {
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
      Worker.runReplayHistory({ workflowBundle: { code: drifted.code } }, completed.history, completed.workflowId),
    ).rejects.toThrow(/[Nn]ondeterminis/);
  });
});
