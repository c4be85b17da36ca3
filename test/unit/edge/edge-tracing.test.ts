/** The edge's decision as a span: child of the caller's `traceparent`, naming the participant and the outcome. */
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import pino from 'pino';
import { buildEdgeVerifier } from '../../../edge/verifier/app';

describe('tracing at the edge', () => {
  it("records each decision as a span under the caller's trace: a refusal with its code", async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider();
    provider.addSpanProcessor(new SimpleSpanProcessor(exporter));
    const app = buildEdgeVerifier({
      logger: pino({ level: 'silent' }),
      tracer: provider.getTracer('edge-test'),
      gatewayKey: 'k'.repeat(32),
      tokens: {
        issuer: 'https://auth.hub.test',
        audience: () => 'https://hub.test/api',
        jwks: async () => {
          throw new Error('no token gets this far');
        },
        client: async () => null,
      },
      jwsKeys: async () => null,
      pinned: async () => new Set<string>(),
      fspiopScope: 'fspiop',
      upstream: () => 'http://127.0.0.1:1',
    });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await app.inject({
      method: 'GET',
      url: '/accounts',
      headers: {
        'x-edge-key': 'k'.repeat(32),
        'x-participant-id': 'tpp-a',
        'x-hub-environment': 'sandbox',
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
    });
    expect(res.statusCode).toBe(403);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('edge decision');
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.parentSpanId).toBe('00f067aa0ba902b7');
    expect(span?.attributes).toMatchObject({
      'hub.participant_id': 'tpp-a',
      'hub.environment': 'sandbox',
      'hub.decision': 'refused',
      'hub.refusal': 'CERTIFICATE_NOT_PINNED',
    });
    await app.close();
  });
});
