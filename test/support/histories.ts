import type { Payload } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../../activities/secrets/payload-codec';
import { testCodecKeys } from './codec';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { workflowHistoryJson } from '../../scripts/dev-server';
import { loadDevConfig, temporalBinaryPath } from '../../scripts/temporal-dev-config';
import { onboardingWorkflowId } from '../../workflows/messages';

/**
 * With RECORD_HISTORIES=1, writes the onboarding's event history (as `temporal workflow show`
 * prints it) to test/fixtures/histories/<file> for the replay test; otherwise does nothing.
 */
export function recordHistory(participantId: string, file: string): void {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const json = workflowHistoryJson(
    temporalBinaryPath(loadDevConfig()),
    String(process.env.TEMPORAL_TEST_ADDRESS),
    onboardingWorkflowId(participantId),
    String(process.env.TEMPORAL_TEST_NAMESPACE),
  );
  writeFileSync(path.join(__dirname, '..', 'fixtures', 'histories', file), json.endsWith('\n') ? json : `${json}\n`);
}

/**
 * Every payload of a history as text, decrypted with the test stack's codec ring (each payload's
 * `data` as UTF-8, other byte fields as they are): what a search for leaked material reads.
 */
export async function payloadText(history: unknown): Promise<string> {
  const payloads: Payload[] = [];
  const bytes: Uint8Array[] = [];
  const walk = (value: unknown): void => {
    if (value instanceof Uint8Array) bytes.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      if ('data' in value && 'metadata' in value) payloads.push(value as Payload);
      else Object.values(value).forEach(walk);
    }
  };
  walk(history);
  const decoded = await new AesGcmPayloadCodec(testCodecKeys()).decode(payloads);
  return [...decoded.map((p) => p.data ?? new Uint8Array()), ...bytes].map((b) => Buffer.from(b).toString('utf8')).join('\n');
}
