/**
 * The payload codec every Temporal client and worker of the hub uses: AES-256-GCM over the whole
 * serialised Payload (metadata and data), so inputs, results, memo, summaries and current details
 * — contact names, e-mails, PEMs — are ciphertext at rest in the Temporal server and in its
 * history exports. The encrypted payload names its key (`encryption-key-id`), so keys rotate: the
 * first key of the ring encrypts, every key of the ring decrypts, and old histories stay readable
 * while their key stays in the ring. Search attributes and failure messages are not payloads and
 * are not encrypted: they carry ids, codes and the hub's own words only.
 *
 * The ring comes from `PAYLOAD_CODEC_KEYS` (`id:base64key,id:base64key`), or the file
 * `PAYLOAD_CODEC_KEYS_FILE` (one `id:base64key` per line), or else `DATA_DIR/payload-codec.keys`,
 * made once with a fresh key (0600) by whichever process starts first. Keys are never logged.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec, ValueError } from '@temporalio/common';
import type { DataConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { readOrCreateSecretFile } from './key-file';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
const ivBytes = 12;
const tagBytes = 16;

export interface CodecKey {
  id: string;
  key: Buffer;
}

const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

/** Parses `id:base64key` entries (commas or new lines between them; `#` comments in files). */
export function parseKeyRing(text: string, origin: string): CodecKey[] {
  const entries = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const ring = entries.map((entry, i) => {
    const colon = entry.indexOf(':');
    const id = colon < 0 ? '' : entry.slice(0, colon);
    // Never echo the entry: it holds a key.
    if (!keyIdPattern.test(id)) throw new Error(`${origin}: entry ${i + 1} is not id:base64key (id of 1-64 letters, digits, . _ -)`);
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== 32) throw new Error(`${origin}: key ${id} is not 32 bytes of base64 (AES-256)`);
    return { id, key };
  });
  if (ring.length === 0) throw new Error(`${origin}: no key`);
  const ids = ring.map((k) => k.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) throw new Error(`${origin}: key id ${twice} appears twice`);
  return ring;
}

/** A fresh ring entry: `k<yyyymmdd>-<hex>:<base64 key>`. */
export function newKeyEntry(now = new Date()): string {
  const id = `k${now.toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** The key ring for a process: from the environment, a named file, or DATA_DIR's file (made once). */
export function loadKeyRing(env: NodeJS.ProcessEnv, dataDir: string): CodecKey[] {
  if (env.PAYLOAD_CODEC_KEYS) return parseKeyRing(env.PAYLOAD_CODEC_KEYS, 'PAYLOAD_CODEC_KEYS');
  if (env.PAYLOAD_CODEC_KEYS_FILE) {
    const named = path.resolve(env.PAYLOAD_CODEC_KEYS_FILE);
    return parseKeyRing(readFileSync(named, 'utf8'), named);
  }
  const file = path.join(dataDir, 'payload-codec.keys');
  const text = readOrCreateSecretFile(
    file,
    () =>
      `# The payload codec's keys: the first encrypts, all decrypt. Add a new key on top to rotate; keep old ones while histories use them.\n${newKeyEntry()}\n`,
  );
  return parseKeyRing(text, file);
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly current: CodecKey;

  constructor(ring: readonly CodecKey[]) {
    if (ring.length === 0) throw new Error('the payload codec needs at least one key');
    this.current = ring[0] as CodecKey;
    this.keys = new Map(ring.map((k) => [k.id, k.key]));
  }

  /** The id of the key that encrypts. */
  get currentKeyId(): string {
    return this.current.id;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(ivBytes);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: Buffer.from(this.current.id),
        },
        data: sealed,
      };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
      if (encoding === undefined || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
      const rawId = payload.metadata?.[KEY_ID_METADATA];
      const id = rawId === undefined ? '' : Buffer.from(rawId).toString();
      const key = this.keys.get(id);
      if (key === undefined) throw new ValueError(`payload encrypted with key ${id || '(none named)'}, which is not in the key ring`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < ivBytes + tagBytes) throw new ValueError('encrypted payload is too short');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, ivBytes));
      decipher.setAuthTag(data.subarray(data.length - tagBytes));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(ivBytes, data.length - tagBytes)), decipher.final()]);
      } catch {
        throw new ValueError(`encrypted payload does not authenticate under key ${id}`);
      }
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

/** The data converter of every hub client, worker and replay: the default converters, payloads through the codec. */
export function hubDataConverter(codec: PayloadCodec | readonly CodecKey[]): DataConverter {
  return { payloadCodecs: [Array.isArray(codec) ? new AesGcmPayloadCodec(codec) : (codec as PayloadCodec)] };
}
