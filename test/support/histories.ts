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

/** Every payload of a history as text (each `data` byte field decoded as UTF-8): what a search for leaked material reads. */
export function payloadText(history: unknown): string {
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) parts.push(Buffer.from(value).toString('utf8'));
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(history);
  return parts.join('\n');
}
