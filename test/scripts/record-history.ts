/**
 * Records the event histories the replay test guards (test/fixtures/histories/*.json).
 * Run after an intended workflow change that is replay-safe (`patched`) or when adding a
 * scenario: `npm run test:replay:record`. It starts its own dev server, worker and client.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { OnboardingGateway } from '../../api/onboarding-gateway';
import { onboardingWorkflowId } from '../../workflows/messages';
import { startTestServer } from '../support/dev-server';
import { loadDevConfig, temporalBinaryPath } from '../../scripts/temporal-dev-config';
import { startBody } from '../support/requests';

/** The first gate is open (the workflow's first task has run). */
async function waitUntilAwaiting(gateway: OnboardingGateway, participantId: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (((await gateway.status(participantId)).onboarding?.awaiting.length ?? 0) > 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${participantId} never waited`);
}
import { bundleWorkflows, createTestStack } from '../support/temporal-env';

const out = path.join(__dirname, '..', 'fixtures', 'histories');

async function main(): Promise<void> {
  const server = await startTestServer();
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_NAMESPACE = server.namespace;
  const stack = await createTestStack(await bundleWorkflows(), 'record-histories');
  try {
    await stack.startWorker();
    const gateway = new OnboardingGateway(stack.client, stack.taskQueue);
    const scenarios: { name: string; run(participantId: string): Promise<void> }[] = [
      {
        name: 'tpp-rejected',
        async run(participantId) {
          await gateway.decide(participantId, {
            gate: 'application-review',
            decision: 'rejected',
            decidedBy: 'alice@hub',
            comment: 'no licence',
          });
        },
      },
    ];
    mkdirSync(out, { recursive: true });
    for (const scenario of scenarios) {
      const participantId = `replay-${scenario.name}`;
      await gateway.start(startBody(participantId));
      // A refused decision first: refusals must leave no trace in history.
      await gateway.decide(participantId, { gate: 'go-live', decision: 'approved', decidedBy: 'x' }).catch(() => undefined);
      await waitUntilAwaiting(gateway, participantId);
      await scenario.run(participantId);
      const handle = stack.client.workflow.getHandle(onboardingWorkflowId(participantId));
      await handle.result();
      const file = path.join(out, `${scenario.name}.json`);
      // The CLI's proto3 JSON is the format Worker.runReplayHistory reads (historyFromJSON).
      const json = execFileSync(
        temporalBinaryPath(loadDevConfig()),
        [
          'workflow',
          'show',
          '--workflow-id',
          handle.workflowId,
          '--output',
          'json',
          '--address',
          server.address,
          '--namespace',
          server.namespace,
        ],
        { encoding: 'utf8' },
      );
      writeFileSync(file, json.endsWith('\n') ? json : `${json}\n`);
      process.stdout.write(`recorded ${file}\n`);
    }
  } finally {
    await stack.close();
    await server.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
