/**
 * OpenTelemetry tracing, off by default: set OTEL_EXPORTER_OTLP_ENDPOINT (or the traces-only
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and the API, the worker and the edge export spans over
 * OTLP/HTTP there — an API request, the workflow it starts or signals, each activity the workflow
 * runs (`@temporalio/interceptors-opentelemetry`, the trace carried in Temporal headers), and the
 * edge's decision on a participant's request (W3C `traceparent` from the caller). OTEL_SERVICE_NAME
 * names the process; OTEL_TRACES_EXPORTER=none turns it off again.
 */
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ConfigError } from './config-error';

export interface TracingSettings {
  /** Where spans go (OTLP/HTTP, …/v1/traces); null: tracing is off. */
  endpoint: string | null;
  serviceName: string;
}

export function loadTracingSettings(env: NodeJS.ProcessEnv, defaultServiceName: string): TracingSettings {
  const serviceName = env.OTEL_SERVICE_NAME?.trim() || defaultServiceName;
  if (env.OTEL_TRACES_EXPORTER?.trim() === 'none') return { endpoint: null, serviceName };
  const tracesEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  const endpoint = tracesEndpoint || (base ? `${base.replace(/\/$/, '')}/v1/traces` : null);
  if (endpoint !== null && !/^https?:\/\/[^/]+/.test(endpoint))
    throw new ConfigError(
      `Invalid tracing configuration:\n  OTEL_EXPORTER_OTLP_ENDPOINT: must be an http(s) URL of an OTLP/HTTP receiver (got ${JSON.stringify(endpoint)})`,
    );
  return { endpoint, serviceName };
}

export interface Tracing {
  enabled: boolean;
  tracer: Tracer;
  /** For the workflow span sink (always given: a no-op one when tracing is off). */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Flushes what is buffered and stops exporting. */
  shutdown(): Promise<void>;
}

/** Sets the process's tracer provider up (once, at start) for the settings; off: a no-op tracer. */
export function startTracing(settings: TracingSettings): Tracing {
  const resource = Resource.default().merge(new Resource({ 'service.name': settings.serviceName }));
  if (settings.endpoint === null) {
    return {
      enabled: false,
      tracer: trace.getTracer(settings.serviceName),
      spanProcessor: new NoopSpanProcessor(),
      resource,
      shutdown: async () => {},
    };
  }
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.endpoint }), { scheduledDelayMillis: 500 });
  const provider = new BasicTracerProvider({ resource });
  provider.addSpanProcessor(spanProcessor);
  provider.register({ contextManager: new AsyncLocalStorageContextManager().enable(), propagator: new W3CTraceContextPropagator() });
  return {
    enabled: true,
    tracer: provider.getTracer(settings.serviceName),
    spanProcessor,
    resource,
    shutdown: () => provider.shutdown(),
  };
}

/** The trace context a request carries (W3C `traceparent`), as the parent of the span made for it. */
export function requestContext(headers: Record<string, string | string[] | undefined>) {
  return propagation.extract(context.active(), headers);
}
