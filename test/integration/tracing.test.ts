/**
 * Tracing, end to end with the processes `npm start` runs: the API and the worker started with
 * OTEL_EXPORTER_OTLP_ENDPOINT pointing at a collector (here an OTLP/HTTP receiver of the test's
 * own on loopback) export one trace for one request — the API's request span, the Temporal
 * client's update-with-start, the workflow's update handler and the activities its run starts —
 * all under the caller's `traceparent`.
 * The edge's decision span is proven in the edge's own test rig (see the second case).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { allStaffGrants, newApiKey } from '../../api/auth';
import { spawnTs } from '../../scripts/processes';
import { stopChild } from '../../scripts/dev-server';
import { loadTracingSettings } from '../../config/tracing';
import { freePort } from '../support/dev-server';
import { eventually } from '../support/eventually';
import { startBody } from '../support/requests';
import { testServer } from '../support/temporal-env';

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
}

/** OTLP/HTTP JSON (what @opentelemetry/exporter-trace-otlp-http sends): resourceSpans → scopeSpans → spans. */
function collector(spans: ExportedSpan[]): Server {
  return createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: Omit<ExportedSpan, 'service'>[] }[];
          }[];
        };
        for (const rs of body.resourceSpans) {
          const service = rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
          for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
}

describe('OpenTelemetry tracing (off by default, exported where configured)', () => {
  it('is off unless an OTLP endpoint is configured, and refuses an endpoint that is not a URL', () => {
    expect(loadTracingSettings({}, 'onboarding-api').endpoint).toBeNull();
    expect(loadTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318/' }, 'x')).toEqual({
      endpoint: 'http://otel:4318/v1/traces',
      serviceName: 'x',
    });
    expect(
      loadTracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://otel:4318/traces', OTEL_SERVICE_NAME: 'hub-api' }, 'x'),
    ).toEqual({
      endpoint: 'http://otel:4318/traces',
      serviceName: 'hub-api',
    });
    expect(loadTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel:4318', OTEL_TRACES_EXPORTER: 'none' }, 'x').endpoint).toBeNull();
    expect(() => loadTracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'otel:4318' }, 'x')).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: must be an http\(s\) URL/,
    );
  });

  it('follows one request from the API through the workflow to its activities in one trace, under the caller’s traceparent', async () => {
    const spans: ExportedSpan[] = [];
    const receiver = collector(spans);
    const otlpPort = await freePort();
    await new Promise<void>((resolve) => receiver.listen(otlpPort, '127.0.0.1', resolve));
    const dataDir = mkdtempSync(path.join(tmpdir(), 'tracing-'));
    const staff = newApiKey('ops@hub', [...allStaffGrants]);
    writeFileSync(path.join(dataDir, 'api-keys.json'), JSON.stringify({ keys: [staff.entry] }));
    const { address, namespace } = testServer();
    const apiPort = await freePort();
    const env = {
      DATA_DIR: dataDir,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: `tracing-${Date.now()}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpPort}`,
      LOG_LEVEL: 'warn',
      WORKER_METRICS_ADDRESS: 'off',
      NGINX_BINARY: path.join(dataDir, 'no-nginx'),
      HOST: '127.0.0.1',
      PORT: String(apiPort),
    };
    const out = { write: () => true } as unknown as NodeJS.WritableStream;
    const children: ChildProcess[] = [];
    try {
      children.push(spawnTs('worker/main.ts', 'worker', env, { output: out }));
      children.push(spawnTs('api/server.ts', 'api', env, { output: out }));
      const traceId = randomBytes(16).toString('hex');
      const callerSpan = randomBytes(8).toString('hex');
      const participantId = `traced-${Date.now()}`;
      const started = await eventually(async () => {
        const res = await fetch(`http://127.0.0.1:${apiPort}/onboardings`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${staff.key}`,
            'content-type': 'application/json',
            'idempotency-key': `trace-${participantId}`,
            traceparent: `00-${traceId}-${callerSpan}-01`,
          },
          body: JSON.stringify(startBody(participantId)),
        }).catch(() => null);
        return res !== null && res.status !== 503 ? res : undefined;
      }, 60_000);
      expect(started.status).toBe(201);
      // The journey's first wait notifies the approvers: an activity. Batches leave every 0.5 s.
      const trace = await eventually(async () => {
        const mine = spans.filter((s) => s.traceId === traceId);
        return mine.some((s) => s.name.startsWith('RunActivity:')) ? mine : undefined;
      }, 60_000);
      const named = (prefix: string) => trace.filter((s) => s.name.startsWith(prefix));
      const request = named('POST /onboardings');
      expect(request).toHaveLength(1);
      expect(request[0]).toMatchObject({ service: 'onboarding-api', parentSpanId: callerSpan });
      const client = trace.filter(
        (s) => s.service === 'onboarding-api' && /^(StartWorkflow|UpdateWithStart|StartUpdate|SignalWithStart)/.test(s.name),
      );
      expect(client.length).toBeGreaterThan(0);
      expect(client.every((s) => s.parentSpanId === request[0]?.spanId)).toBe(true);
      // The worker's side: the update handler under the client's span, the activity it started under that start.
      const update = named('HandleUpdate:');
      expect(update.map((s) => [s.service, s.parentSpanId])).toEqual([['onboarding-worker', client[0]?.spanId]]);
      const startActivity = named('StartActivity:');
      const runActivity = named('RunActivity:');
      expect(startActivity.length).toBeGreaterThan(0);
      for (const run of runActivity) {
        expect(run.service).toBe('onboarding-worker');
        expect(startActivity.map((s) => s.spanId)).toContain(run.parentSpanId);
      }
      // Every span of the trace hangs off another of it or off the caller's, except what the
      // workflow's run starts: its RunWorkflow span ends (and is exported) when the onboarding ends.
      const ids = new Set([callerSpan, ...trace.map((s) => s.spanId)]);
      const open = new Set(trace.filter((s) => !ids.has(s.parentSpanId ?? '')).map((s) => s.parentSpanId));
      expect(open.size).toBe(1);
      expect(trace.filter((s) => open.has(s.parentSpanId)).every((s) => s.name.startsWith('StartActivity:'))).toBe(true);
    } finally {
      for (const child of children) await stopChild(child);
      await new Promise((resolve) => receiver.close(resolve));
    }
  });
});
