/** The test stack's payload codec: a committed test-only key ring, so recorded histories replay with the same keys. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { hubDataConverter, parseKeyRing } from '../../activities/secrets/payload-codec';

export const testCodecKeysFile = path.resolve(__dirname, '../fixtures/codec/test.keys');

export const testCodecKeys = () => parseKeyRing(readFileSync(testCodecKeysFile, 'utf8'), testCodecKeysFile);

export const testDataConverter = () => hubDataConverter(testCodecKeys());
