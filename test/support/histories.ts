import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadDevConfig, temporalBinaryPath } from '../../scripts/temporal-dev-config';
import { onboardingWorkflowId } from '../../workflows/messages';

/**
 * With RECORD_HISTORIES=1, writes the onboarding's event history (as `temporal workflow show`
 * prints it) to test/fixtures/histories/<file> for the replay test; otherwise does nothing.
 */
export function recordHistory(participantId: string, file: string): void {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const json = execFileSync(
    temporalBinaryPath(loadDevConfig()),
    [
      'workflow',
      'show',
      '--workflow-id',
      onboardingWorkflowId(participantId),
      '--output',
      'json',
      '--address',
      String(process.env.TEMPORAL_TEST_ADDRESS),
      '--namespace',
      String(process.env.TEMPORAL_TEST_NAMESPACE),
    ],
    { encoding: 'utf8' },
  );
  writeFileSync(path.join(__dirname, '..', 'fixtures', 'histories', file), json.endsWith('\n') ? json : `${json}\n`);
}
