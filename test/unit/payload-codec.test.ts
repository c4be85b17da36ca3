/** The payload codec (real AES-256-GCM) and the codec endpoint the Web UI calls, over app.inject. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DefaultPayloadConverter, type Payload } from '@temporalio/common';
import pino from 'pino';
import { AesGcmPayloadCodec, loadKeyRing, newKeyEntry, parseKeyRing } from '../../activities/secrets/payload-codec';
import { buildApp } from '../../api/app';
import type { OnboardingPort } from '../../api/onboarding-gateway';
import { testKeys } from '../support/auth';

const converter = new DefaultPayloadConverter();
const contact = { name: 'Ada Lovelace', email: 'ada@acme.example', pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' };
const ring = (...ids: string[]) => ids.map((id) => ({ id, key: randomBytes(32) }));

describe('the payload codec', () => {
  it('encrypts the whole payload (metadata and data) and names its key; decoding gives it back', async () => {
    const [k1] = ring('k1');
    const codec = new AesGcmPayloadCodec([k1!]);
    const plain = converter.toPayload(contact);
    const [sealed] = await codec.encode([plain]);
    expect(Buffer.from(sealed!.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    const bytes = Buffer.from(sealed!.data!).toString('latin1');
    for (const secret of ['Ada Lovelace', 'ada@acme.example', 'BEGIN CERTIFICATE', 'json/plain']) expect(bytes).not.toContain(secret);
    const [opened] = await codec.decode([sealed!]);
    expect(converter.fromPayload(opened!)).toEqual(contact);
    // Fresh IV per payload: the same value never encrypts to the same bytes.
    const [again] = await codec.encode([plain]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(sealed!.data!))).toBe(false);
  });

  it('after a rotation encrypts with the new key and still decodes what the old key encrypted', async () => {
    const [k1, k2] = ring('k1', 'k2');
    const [old] = await new AesGcmPayloadCodec([k1!]).encode([converter.toPayload('before')]);
    const rotated = new AesGcmPayloadCodec([k2!, k1!]);
    const [fresh] = await rotated.encode([converter.toPayload('after')]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('k2');
    expect((await rotated.decode([old!, fresh!])).map((p) => converter.fromPayload(p))).toEqual(['before', 'after']);
  });

  it('refuses a payload under a key the ring does not hold, and one whose bytes were changed', async () => {
    const [k1, k2] = ring('k1', 'k2');
    const [sealed] = await new AesGcmPayloadCodec([k1!]).encode([converter.toPayload('x')]);
    await expect(new AesGcmPayloadCodec([k2!]).decode([sealed!])).rejects.toThrow(
      'payload encrypted with key k1, which is not in the key ring',
    );
    const tampered: Payload = { ...sealed!, data: Buffer.from(sealed!.data!).map((b, i) => (i === 20 ? b ^ 1 : b)) };
    await expect(new AesGcmPayloadCodec([k1!]).decode([tampered])).rejects.toThrow('does not authenticate under key k1');
  });

  it('passes payloads it did not encrypt through unchanged (histories from before the codec)', async () => {
    const plain = converter.toPayload({ a: 1 });
    expect(await new AesGcmPayloadCodec(ring('k1')).decode([plain])).toEqual([plain]);
  });

  it('reads its ring from PAYLOAD_CODEC_KEYS or a file, makes DATA_DIR’s file once (0600), and names a bad entry without echoing it', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'codec-'));
    const made = loadKeyRing({}, dataDir);
    const file = path.join(dataDir, 'payload-codec.keys');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadKeyRing({}, dataDir)).toEqual(made);
    expect(readFileSync(file, 'utf8')).toMatch(/^# The payload codec's keys/);
    const entry = newKeyEntry(new Date('2026-12-03T00:00:00Z'));
    expect(entry).toMatch(/^k20261203-[0-9a-f]{6}:/);
    expect(
      loadKeyRing({ PAYLOAD_CODEC_KEYS: `${entry},${made[0]!.id}:${made[0]!.key.toString('base64')}` }, dataDir).map((k) => k.id),
    ).toEqual([entry.split(':')[0], made[0]!.id]);
    const secret = randomBytes(16).toString('base64');
    expect(() => parseKeyRing(`bad id:${secret}`, 'PAYLOAD_CODEC_KEYS')).toThrow('PAYLOAD_CODEC_KEYS: entry 1 is not id:base64key');
    expect(() => parseKeyRing(`k1:${secret}`, 'env')).toThrow('env: key k1 is not 32 bytes');
    try {
      parseKeyRing(`k1:${secret}`, 'env');
    } catch (err) {
      expect((err as Error).message).not.toContain(secret);
    }
    expect(() => parseKeyRing(`k1:${randomBytes(32).toString('base64')}\nk1:${randomBytes(32).toString('base64')}`, 'f')).toThrow(
      'key id k1 appears twice',
    );
  });
});

describe('the codec endpoint', () => {
  const keys = testKeys();
  const codec = new AesGcmPayloadCodec(ring('k1'));
  const gateway = {} as OnboardingPort;
  const app = buildApp({
    gateway,
    authenticator: keys.authenticator,
    logger: pino({ level: 'silent' }),
    codec: { codec, uiOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'] },
  });
  const json = (p: Payload) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
    data: Buffer.from(p.data ?? []).toString('base64'),
  });
  const viewer = keys.as('vera', 'viewer');
  const viewerKey = viewer.authorization!.slice('Bearer '.length);

  it('decodes for staff, as the UI sends it, and encodes what the UI sends back', async () => {
    const [sealed] = await codec.encode([converter.toPayload(contact)]);
    const res = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { ...viewer, 'x-namespace': 'default', origin: 'http://127.0.0.1:8233' },
      payload: { payloads: [json(sealed!)] },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('http://127.0.0.1:8233');
    const [decoded] = res.json().payloads as { metadata: Record<string, string>; data: string }[];
    expect(JSON.parse(Buffer.from(decoded!.data, 'base64').toString())).toEqual(contact);
    const encoded = await app.inject({ method: 'POST', url: '/codec/encode', headers: viewer, payload: { payloads: [decoded] } });
    const [back] = encoded.json().payloads as { metadata: Record<string, string> }[];
    expect(Buffer.from(back!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
  });

  it('takes the same credential in the path for a UI without sign-in, and refuses an unknown one', async () => {
    const ok = await app.inject({ method: 'POST', url: `/codec/k/${viewerKey}/decode`, payload: { payloads: [] } });
    expect(ok.statusCode).toBe(200);
    // As proto3 JSON says "no payloads" (the CLI sends it): an empty object.
    const none = await app.inject({ method: 'POST', url: `/codec/k/${viewerKey}/decode`, payload: {} });
    expect([none.statusCode, none.json()]).toEqual([200, { payloads: [] }]);
    const bad = await app.inject({ method: 'POST', url: '/codec/k/obk_nobody/decode', payload: { payloads: [] } });
    expect([bad.statusCode, bad.json().code]).toEqual([401, 'UNAUTHENTICATED']);
    const participant = keys.as('it@acme', 'participant:acme').authorization!.slice('Bearer '.length);
    const refused = await app.inject({ method: 'POST', url: `/codec/k/${participant}/decode`, payload: { payloads: [] } });
    expect([refused.statusCode, refused.json().code]).toEqual([403, 'FORBIDDEN']);
    // The path credential is only for the codec: elsewhere it is not a credential.
    const elsewhere = await app.inject({ method: 'GET', url: `/onboardings/acme?key=${viewerKey}` });
    expect(elsewhere.statusCode).toBe(401);
  });

  it('answers the preflight of the UI origins only', async () => {
    const preflight = (origin: string) =>
      app.inject({
        method: 'OPTIONS',
        url: '/codec/decode',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-namespace,authorization',
        },
      });
    const ui = await preflight('http://localhost:8233');
    expect(ui.statusCode).toBe(204);
    expect(ui.headers['access-control-allow-origin']).toBe('http://localhost:8233');
    expect(String(ui.headers['access-control-allow-headers']).toLowerCase()).toContain('x-namespace');
    const other = await preflight('http://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers 400 with a stable code for a payload it cannot decode, and for a body that is not payloads', async () => {
    const [foreign] = await new AesGcmPayloadCodec(ring('k9')).encode([converter.toPayload('x')]);
    const res = await app.inject({ method: 'POST', url: '/codec/decode', headers: viewer, payload: { payloads: [json(foreign!)] } });
    expect([res.statusCode, res.json().code]).toEqual([400, 'CODEC_INPUT_INVALID']);
    expect(res.json().detail).toContain('key k9');
    const junk = await app.inject({ method: 'POST', url: '/codec/decode', headers: viewer, payload: { payloads: [{ data: '!!' }] } });
    expect(junk.statusCode).toBe(400);
  });
});
