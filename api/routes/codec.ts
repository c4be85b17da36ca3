/**
 * The codec endpoint the Temporal Web UI decodes payloads with (and encodes what it sends, e.g. a
 * signal's input): `POST /codec/decode` and `/codec/encode`, body and answer
 * `{ payloads: [{ metadata: { key: base64 }, data: base64 }] }` (proto3 JSON). Staff only, behind
 * the API's own authentication: a Bearer key or token (a UI with sign-in passes its user's access
 * token), or the same credential in the path, `/codec/k/<key>/decode`, for a UI that cannot send a
 * header (the dev server's UI has no sign-in; `npm start` gives it a viewer key of its own). CORS
 * admits exactly the UI origins configured; anything else gets no CORS headers, so a browser on
 * another origin cannot read the answer.
 */
import cors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { access } from '../auth';
import { ApiError } from '../errors';
import { problems } from '../schemas/responses';

export interface CodecRoutesOptions {
  codec: PayloadCodec;
  /** The Web UI origins allowed to call (`http://127.0.0.1:8233`). */
  uiOrigins: readonly string[];
}

const base64 = z
  .string()
  .max(4 * 1024 * 1024)
  .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'base64');
const payloadJson = z.object({ metadata: z.record(z.string(), base64).default({}), data: base64.default('') });
// proto3 JSON leaves an empty list out: `{}` is no payloads.
const payloadsBody = z.strictObject({ payloads: z.array(payloadJson).max(1000).default([]) });
const payloadsAnswer = z.object({ payloads: z.array(z.object({ metadata: z.record(z.string(), z.string()), data: z.string() })) });
const keyParams = z.object({ key: z.string().min(1).max(4096) });

const fromJson = (p: z.infer<typeof payloadJson>): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});
const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export const codecRoutes: FastifyPluginAsyncZod<CodecRoutesOptions> = async (app, { codec, uiOrigins }) => {
  await app.register(cors, {
    origin: [...uiOrigins],
    methods: ['POST'],
    allowedHeaders: ['Content-Type', 'X-Namespace', 'Authorization'],
    credentials: true,
    maxAge: 600,
  });
  const run = async (direction: 'encode' | 'decode', payloads: z.infer<typeof payloadJson>[]) => {
    try {
      const out = await codec[direction](payloads.map(fromJson));
      return { payloads: out.map(toJson) };
    } catch (err) {
      // A payload under a key the ring no longer holds, or one that does not authenticate: bad input, said plainly.
      throw new ApiError('CODEC_INPUT_INVALID', err instanceof Error ? err.message : String(err));
    }
  };
  const schema = { body: payloadsBody, response: { 200: payloadsAnswer, ...problems } };
  const config = { authorize: (p: Parameters<typeof access.readAll>[0]) => access.readAll(p, undefined) };
  for (const direction of ['encode', 'decode'] as const) {
    app.post(`/codec/${direction}`, { schema, config }, async (request) => run(direction, request.body.payloads));
    app.post(
      `/codec/k/:key/${direction}`,
      { schema: { ...schema, params: keyParams, hide: true }, config: { ...config, pathCredential: true } },
      async (request) => run(direction, request.body.payloads),
    );
  }
};
